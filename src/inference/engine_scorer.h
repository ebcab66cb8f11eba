// SasRecEngineScorer: the serving engine behind the evaluator's Scorer
// interface, so the engine is measured with the same protocol (and must reach
// the same metrics) as the libtorch model it was exported from.
#pragma once

#include <vector>

#include "eval/scorer.h"
#include "inference/sasrec_engine.h"

namespace nba {

class SasRecEngineScorer : public Scorer {
 public:
  // `engine` must outlive the scorer.
  explicit SasRecEngineScorer(const SasRecEngine* engine) : engine_(engine) {}

  size_t num_items() const override { return static_cast<size_t>(engine_->config().num_items); }
  // Encodes each case's history, then scores all rows in one matrix product.
  void Score(std::span<const EvalCase* const> cases, float* scores) override;

 private:
  const SasRecEngine* engine_;
  std::vector<std::span<const Interaction>> histories_;  // reused across calls
  std::vector<float> hidden_;
};

}  // namespace nba

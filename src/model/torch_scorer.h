// TorchScorer: measures a libtorch SasRec with the evaluation protocols
// (eval mode, no autograd), the reference the inference engine must match.
#pragma once

#include "eval/scorer.h"
#include "model/sasrec.h"

namespace nba {

// Builds right-padded [B, L] item and type tensors from histories, keeping
// each history's last max_len events. Returns the lengths [B].
torch::Tensor PackHistories(std::span<const EvalCase* const> cases, int64_t max_len,
                            torch::Tensor* items, torch::Tensor* types);

// Puts the model in eval mode for its lifetime; Score is then read-only on
// the model, so the evaluator may call it from several threads.
class TorchScorer : public Scorer {
 public:
  explicit TorchScorer(SasRec model) : model_(std::move(model)) { model_->eval(); }
  size_t num_items() const override { return static_cast<size_t>(model_->config.num_items); }
  void Score(std::span<const EvalCase* const> cases, float* scores) override;

 private:
  SasRec model_;
};

}  // namespace nba

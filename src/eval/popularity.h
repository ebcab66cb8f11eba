// PopularityScorer: scores every item by its number of training events,
// whatever the visitor's history. The baseline reported beside every model:
// a model that does not beat it has learnt nothing personal.
#pragma once

#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "core/status.h"
#include "data/dataset.h"
#include "eval/evaluator.h"
#include "eval/scorer.h"

namespace nba {

class PopularityScorer final : public Scorer {
 public:
  // Counts the events of `sequences` (e.g. Split::train) over items
  // 1..num_items. An item outside that range is an error naming the sequence
  // and position.
  static Status Build(size_t num_items, std::span<const std::vector<Interaction>> sequences,
                      std::unique_ptr<PopularityScorer>* out);

  size_t num_items() const override { return counts_.size() - 1; }
  // Copies the counts into every row. Reads only, so safe to call concurrently.
  void Score(std::span<const EvalCase* const> cases, float* scores) override;

 private:
  explicit PopularityScorer(std::vector<float> counts) : counts_(std::move(counts)) {}

  std::vector<float> counts_;  // indexed by item; [0] is padding and stays 0
};

// Measures `model` on split.test and, with the same options, the popularity
// baseline built from split.train: every reported number has its baseline.
Status EvaluateBesidePopularity(Scorer& model, const Split& split, const EvalOptions& options,
                                EvalResult* model_result, EvalResult* popularity_result);

}  // namespace nba

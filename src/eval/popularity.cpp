#include "eval/popularity.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace nba {

Status PopularityScorer::Build(size_t num_items, std::span<const std::vector<Interaction>> sequences,
                               std::unique_ptr<PopularityScorer>* out) {
  std::vector<uint64_t> counts(num_items + 1, 0);
  for (size_t s = 0; s < sequences.size(); ++s) {
    for (size_t i = 0; i < sequences[s].size(); ++i) {
      const uint32_t item = sequences[s][i].item;
      if (item == 0 || item > num_items) {
        return Status::InvalidArgument("popularity: sequence " + std::to_string(s) + " event " +
                                       std::to_string(i) + ": item " + std::to_string(item) +
                                       " is outside 1.." + std::to_string(num_items));
      }
      ++counts[item];
    }
  }
  // Counted in integers: a float stops growing at 2^24.
  out->reset(new PopularityScorer(std::vector<float>(counts.begin(), counts.end())));
  return Status::Ok();
}

void PopularityScorer::Score(std::span<const EvalCase* const> cases, float* scores) {
  for (size_t i = 0; i < cases.size(); ++i) {
    std::copy(counts_.begin(), counts_.end(), scores + i * counts_.size());
  }
}

Status EvaluateBesidePopularity(Scorer& model, const Split& split, const EvalOptions& options,
                                EvalResult* model_result, EvalResult* popularity_result) {
  NBA_RETURN_IF_ERROR(Evaluate(model, split.test, options, model_result));
  std::unique_ptr<PopularityScorer> popularity;
  NBA_RETURN_IF_ERROR(PopularityScorer::Build(model.num_items(), split.train, &popularity));
  return Evaluate(*popularity, split.test, options, popularity_result);
}

}  // namespace nba

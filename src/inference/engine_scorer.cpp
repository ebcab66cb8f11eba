#include "inference/engine_scorer.h"

namespace nba {

void SasRecEngineScorer::Score(std::span<const EvalCase* const> cases, float* scores) {
  histories_.clear();
  for (const EvalCase* c : cases) histories_.emplace_back(c->history);
  hidden_.resize(cases.size() * engine_->hidden());
  engine_->EncodeLastBatch(histories_, hidden_.data());
  engine_->ScoreItems(hidden_.data(), static_cast<int>(cases.size()), scores);
}

}  // namespace nba

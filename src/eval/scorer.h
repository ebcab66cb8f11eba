// Scorer: anything that turns histories into one score per item. The
// evaluator, the popularity baseline, the libtorch model and the serving
// inference engine all meet here, so the same protocol measures them all.
#pragma once

#include <span>
#include <vector>

#include "data/split.h"

namespace nba {

class Scorer {
 public:
  virtual ~Scorer() = default;
  // Number of item ids scored; scores are indexed by dense item id, and index 0
  // (padding) is ignored, so each row has num_items() + 1 entries.
  virtual size_t num_items() const = 0;
  // Writes cases.size() rows of num_items() + 1 scores into `scores`.
  virtual void Score(std::span<const EvalCase* const> cases, float* scores) = 0;
};

}  // namespace nba

// NegativeSampler: the negatives of the SASRec paper's sampled protocol. For
// each test case it draws, uniformly and without repeats, items the user never
// had (neither in the history nor the target).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/split.h"

namespace nba {

class NegativeSampler {
 public:
  // Items are 1..num_items; `count` negatives per case (the paper uses 100).
  NegativeSampler(size_t num_items, size_t count, uint64_t seed);

  // Replaces `out` with min(count, number of items the user never had) such
  // items. When the catalogue leaves fewer than `count`, all of them are taken,
  // so a small catalogue ranks the target among fewer candidates. The draw
  // depends only on the seed and the case (its user, target and items), never
  // on call order, so every scorer and every thread sees the same negatives.
  // The case's items must be in 1..num_items. Not thread-safe: one per thread.
  void Sample(const EvalCase& c, std::vector<uint32_t>* out);

 private:
  size_t num_items_;
  size_t count_;
  uint64_t seed_;
  std::vector<uint32_t> mark_;  // mark_[item] == epoch_: the item is taken
  uint32_t epoch_ = 0;
  std::vector<uint32_t> pool_;  // free items, when few are free
};

}  // namespace nba

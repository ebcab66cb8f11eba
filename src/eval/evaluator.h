// Evaluate: ranks each case's target under a Scorer and averages the metrics,
// by two protocols computed from the same score rows in one pass:
//
// - full ranking: the target against every item 1..num_items. The items of
//   the case's history are removed from the candidates (a shop does not
//   recommend what the visitor already has) unless `include_seen`. The target
//   itself is never removed, even when it also occurs in the history: that
//   matters only for data with repeats (e.g. Taobao), where excluding it would
//   make every repeat unrankable.
// - sampled: the SASRec paper's protocol, the target against `num_negatives`
//   items the user never had (see NegativeSampler), so numbers compare with
//   published tables. The same seed and cases give every scorer the same
//   negatives.
//
// Ties count against the target (see metrics.h). A NaN target score is
// unranked and earns nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "data/split.h"
#include "eval/metrics.h"
#include "eval/scorer.h"

namespace nba {

struct EvalOptions {
  bool full = true;
  bool sampled = false;
  bool include_seen = false;  // full ranking keeps the history's items
  size_t num_negatives = 100;
  uint64_t seed = 42;
  // Cases per Scorer::Score call. Each thread holds a buffer of
  // batch_size * (num_items + 1) floats: 256 x 100k items is 100 MB.
  size_t batch_size = 256;
  // Threads scoring batches at once. Above 1 the scorer's Score() is called
  // concurrently, so use it only with scorers that allow that. Results are
  // identical for every thread count and batch size.
  size_t num_threads = 1;
};

struct EvalResult {
  MetricSet full;     // empty unless EvalOptions::full
  MetricSet sampled;  // empty unless EvalOptions::sampled

  // {"full": {...}, "sampled": {...}}, each present only when non-empty.
  nlohmann::json ToJson() const;
};

// Fails, before scoring anything, on bad options, or on a case whose target
// or history item lies outside 1..scorer.num_items() (e.g. a model trained on
// another item vocabulary).
Status Evaluate(Scorer& scorer, std::span<const EvalCase> cases, const EvalOptions& options,
                EvalResult* result);

}  // namespace nba

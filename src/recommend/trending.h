// Trending: the fallback ranking. Popularity with exponential time decay over
// every acknowledged event: an event of weight w at time t adds
// w * 2^-((now - t) / half_life) to its item's score.
//
// Each score is stored scaled to a reference time t0 (w * 2^((t - t0) / h)),
// so an event is one multiply-add under a mutex and the ranking never needs
// the clock; t0 moves forward (rescaling every score) before the factor could
// overflow. Top() returns an immutable snapshot of the best items, rebuilt
// from the scores when events arrived and refresh_ms passed since the last
// build, so readers never sort on the hot path more than that often.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/dataset.h"

namespace nba {

struct TrendingOptions {
  double half_life_hours = 6;
  size_t top_size = 1000;  // items kept in a snapshot: the most a fill-up can use
  int refresh_ms = 200;    // 0: rebuild on every Top() after a change (tests)
};

// What one event adds to its item's score: view 1, click 2, add_to_cart 3,
// purchase 5, others 2 (the distributed mode's Redis counts use it too).
double TrendingWeight(EventType type);

struct TrendingItem {
  std::string item_id;
  double score;  // decayed weight at the newest event time seen
};

class Trending {
 public:
  explicit Trending(const TrendingOptions& options);

  // Counts one event: view 1, click 2, add_to_cart 3, purchase 5, others 2.
  void Add(const std::string& item_id, EventType type, int64_t ts_ms);

  // Best first (ties: smaller id first); at most top_size items.
  std::shared_ptr<const std::vector<TrendingItem>> Top();

  // Sets the ranking computed elsewhere (the distributed mode's replicas
  // read it from Redis, where every event is counted); use instead of Add.
  void Replace(std::vector<TrendingItem> top);

 private:
  void Rebuild();

  const TrendingOptions options_;
  const double half_life_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, double> scores_;  // scaled to t0_
  int64_t t0_ = 0, newest_ = 0;
  bool have_t0_ = false;
  std::atomic<bool> dirty_{false};
  std::atomic<int64_t> built_at_ms_{0};  // steady clock
  std::mutex build_mu_;
  std::atomic<std::shared_ptr<const std::vector<TrendingItem>>> top_;
};

}  // namespace nba

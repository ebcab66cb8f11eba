#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace nba {

int RateLimiter::Acquire(const std::string& key, Clock::time_point now) {
  if (rate_ <= 0) return 0;
  Shard& shard = shards_[std::hash<std::string>()(key) % shards_.size()];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto [it, fresh] = shard.buckets.try_emplace(key, Bucket{static_cast<double>(burst_), now});
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min<double>(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
  b.last = std::max(b.last, now);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / rate_)));
}

}  // namespace nba

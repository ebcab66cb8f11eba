// Token-bucket rate limit per credential: `rate` tokens per second refill a
// bucket of `burst`; each request takes one. Buckets live in shards so that
// concurrent requests of different callers rarely share a lock.
#pragma once

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace nba {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // rate <= 0 turns the limiter off: every request passes.
  RateLimiter(double rate, int burst) : rate_(rate), burst_(burst) {}

  // Takes a token for `key`. Returns 0 when the request may proceed, else the
  // whole seconds (>= 1) until a token is available, for Retry-After.
  int Acquire(const std::string& key, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };

  const double rate_;
  const int burst_;
  std::array<Shard, 16> shards_;
};

}  // namespace nba

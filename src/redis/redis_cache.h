// RedisCache: the SharedCache of the distributed mode, so that a
// recommendation computed by one replica answers the same request on every
// other. Entries are plain strings under <key_prefix><key> with a TTL
// (SET PX); nothing is invalidated, as keys carry the versions they depend on.
//
// Failing is cheap: the client answers Unavailable at once while Redis is
// down (see redis_client.h), and every failure is a miss, counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "recommend/shared_cache.h"
#include "redis/redis_client.h"

namespace nba {

struct RedisCacheOptions {
  std::string key_prefix = "nba:rec:";
  int64_t ttl_ms = 60000;  // >= 1
};

class RedisCache : public SharedCache {
 public:
  RedisCache(std::shared_ptr<RedisClient> client, RedisCacheOptions options = {});

  bool Get(const std::string& key, std::string* value) override;
  void Put(const std::string& key, const std::string& value) override;

  // Gets and puts that failed (Redis unavailable or an error reply).
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  const std::shared_ptr<RedisClient> client_;
  const RedisCacheOptions options_;
  std::atomic<uint64_t> errors_{0};
};

}  // namespace nba

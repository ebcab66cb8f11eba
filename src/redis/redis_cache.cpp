#include "redis/redis_cache.h"

#include <algorithm>

namespace nba {

RedisCache::RedisCache(std::shared_ptr<RedisClient> client, RedisCacheOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

bool RedisCache::Get(const std::string& key, std::string* value) {
  RedisReply reply;
  if (!client_->Command({"GET", options_.key_prefix + key}, &reply).ok() || reply.is_error()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (reply.type != RedisReply::Type::kString) return false;
  *value = std::move(reply.str);
  return true;
}

void RedisCache::Put(const std::string& key, const std::string& value) {
  RedisReply reply;
  if (!client_->Command({"SET", options_.key_prefix + key, value, "PX",
                         std::to_string(std::max<int64_t>(options_.ttl_ms, 1))},
                        &reply)
           .ok() ||
      reply.is_error()) {
    errors_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace nba

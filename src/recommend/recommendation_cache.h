// RecommendationCache: finished answers by key, LRU-bounded in entries and
// split into shards (each its own mutex and LRU list) so concurrent requests
// rarely meet on a lock. Keys carry every version the answer depends on
// (user features, catalogue, model, k, category), so a change makes a new key
// and stale entries simply age out; nothing needs explicit invalidation.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "recommend/recommendation.h"

namespace nba {

class RecommendationCache {
 public:
  // At most `capacity` entries in all (spread over `shards`); capacity 0 caches nothing.
  explicit RecommendationCache(size_t capacity, size_t shards = 16);

  // Null on a miss; a hit becomes the shard's most recently used entry.
  std::shared_ptr<const Recommendation> Get(const std::string& key);
  void Put(const std::string& key, std::shared_ptr<const Recommendation> value);
  size_t size() const;

 private:
  struct Shard {
    using Entry = std::pair<std::string, std::shared_ptr<const Recommendation>>;
    mutable std::mutex mu;
    std::list<Entry> lru;  // most recent first
    std::unordered_map<std::string, std::list<Entry>::iterator> index;
  };
  Shard& ShardOf(const std::string& key);

  size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace nba

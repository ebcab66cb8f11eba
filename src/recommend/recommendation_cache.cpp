#include "recommend/recommendation_cache.h"

#include <algorithm>
#include <functional>

namespace nba {

RecommendationCache::RecommendationCache(size_t capacity, size_t shards)
    : per_shard_(shards == 0 ? 0 : (capacity + shards - 1) / shards) {
  for (size_t i = 0; i < std::max<size_t>(shards, 1); ++i) shards_.push_back(std::make_unique<Shard>());
}

RecommendationCache::Shard& RecommendationCache::ShardOf(const std::string& key) {
  return *shards_[std::hash<std::string>()(key) % shards_.size()];
}

std::shared_ptr<const Recommendation> RecommendationCache::Get(const std::string& key) {
  Shard& s = ShardOf(key);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.index.find(key);
  if (it == s.index.end()) return nullptr;
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  return it->second->second;
}

void RecommendationCache::Put(const std::string& key, std::shared_ptr<const Recommendation> value) {
  if (per_shard_ == 0) return;
  Shard& s = ShardOf(key);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.index.find(key);
  if (it != s.index.end()) {
    it->second->second = std::move(value);
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    return;
  }
  s.lru.emplace_front(key, std::move(value));
  s.index.emplace(key, s.lru.begin());
  if (s.lru.size() > per_shard_) {
    s.index.erase(s.lru.back().first);
    s.lru.pop_back();
  }
}

size_t RecommendationCache::size() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s->mu);
    n += s->lru.size();
  }
  return n;
}

}  // namespace nba

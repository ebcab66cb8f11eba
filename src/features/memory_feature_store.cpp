#include "features/memory_feature_store.h"

#include <algorithm>

namespace nba {

MemoryFeatureStore::MemoryFeatureStore(MemoryFeatureStoreOptions options)
    : options_{std::max<size_t>(1, options.max_events), std::max<size_t>(1, options.shards)},
      shards_(new Shard[options_.shards]) {}

MemoryFeatureStore::Shard& MemoryFeatureStore::ShardOf(std::string_view user_id) const {
  // The map hashes the same way; mixing the high bits in keeps shard choice
  // and bucket choice from correlating.
  size_t h = Hash()(user_id);
  return shards_[(h ^ (h >> 32)) % options_.shards];
}

MemoryFeatureStore::UserState& MemoryFeatureStore::Upsert(Shard& shard, std::string_view user_id) {
  auto it = shard.users.find(user_id);
  if (it == shard.users.end()) {
    it = shard.users.emplace(std::string(user_id), UserState()).first;
    num_users_.fetch_add(1, std::memory_order_relaxed);
  }
  return it->second;
}

void MemoryFeatureStore::Push(UserState& u, const CompactEvent& e) const {
  if (u.ring.size() < options_.max_events) {
    // Grow by doubling but never past max_events: no slack in full rings.
    if (u.ring.size() == u.ring.capacity()) {
      u.ring.reserve(std::min(options_.max_events, std::max<size_t>(4, 2 * u.ring.capacity())));
    }
    u.ring.push_back(e);
    return;
  }
  u.ring[u.head] = e;
  u.head = static_cast<uint32_t>((u.head + 1) % u.ring.size());
}

bool MemoryFeatureStore::Get(std::string_view user_id, UserFeatures* out) const {
  const Shard& shard = ShardOf(user_id);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.users.find(user_id);
  if (it == shard.users.end()) return false;
  const UserState& u = it->second;
  out->recent.clear();
  out->recent.reserve(u.ring.size());
  for (size_t i = 0; i < u.ring.size(); ++i) {
    const CompactEvent& e = u.ring[(u.head + i) % u.ring.size()];
    out->recent.push_back(UserEvent{items_.Name(e.item), e.type, e.ts_ms});
  }
  out->purchased.clear();
  for (uint32_t code : u.purchased) out->purchased.push_back(items_.Name(code));
  std::sort(out->purchased.begin(), out->purchased.end());
  out->profile = u.profile;
  out->has_profile = u.has_profile;
  out->version = u.version;
  return true;
}

void MemoryFeatureStore::ApplyEvent(std::string_view user_id, const UserEvent& event) {
  CompactEvent e{items_.Intern(event.item_id), event.type, event.ts_ms};
  Shard& shard = ShardOf(user_id);
  std::lock_guard<std::mutex> lock(shard.mu);
  UserState& u = Upsert(shard, user_id);
  Push(u, e);
  if (event.type == EventType::kPurchase) {
    auto pos = std::lower_bound(u.purchased.begin(), u.purchased.end(), e.item);
    if (pos == u.purchased.end() || *pos != e.item) u.purchased.insert(pos, e.item);
  }
  u.version = next_version_.fetch_add(1, std::memory_order_relaxed);
}

void MemoryFeatureStore::SetProfile(std::string_view user_id, const UserProfile& profile) {
  Shard& shard = ShardOf(user_id);
  std::lock_guard<std::mutex> lock(shard.mu);
  UserState& u = Upsert(shard, user_id);
  u.profile = profile;
  u.has_profile = true;
  u.version = next_version_.fetch_add(1, std::memory_order_relaxed);
}

void MemoryFeatureStore::Erase(std::string_view user_id) {
  Shard& shard = ShardOf(user_id);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.users.find(user_id);
  if (it == shard.users.end()) return;
  shard.users.erase(it);
  num_users_.fetch_sub(1, std::memory_order_relaxed);
}

bool MemoryFeatureStore::AcceptsEvents(std::string_view user_id) const {
  const Shard& shard = ShardOf(user_id);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.users.find(user_id);
  return it == shard.users.end() || !it->second.has_profile || it->second.profile.consent;
}

size_t MemoryFeatureStore::num_users() const { return num_users_.load(std::memory_order_relaxed); }

size_t MemoryFeatureStore::UserBytes(const std::string& id, const UserState& u) {
  // A hash node: next pointer, cached hash, key and value.
  size_t bytes = 2 * sizeof(void*) + sizeof(std::string) + sizeof(UserState);
  if (id.capacity() > 15) bytes += id.capacity() + 1;
  if (u.profile.country.capacity() > 15) bytes += u.profile.country.capacity() + 1;
  return bytes + u.ring.capacity() * sizeof(CompactEvent) + u.purchased.capacity() * sizeof(uint32_t);
}

size_t MemoryFeatureStore::memory_bytes() const {
  size_t bytes = items_.memory_bytes();
  for (size_t i = 0; i < options_.shards; ++i) {
    const Shard& shard = shards_[i];
    std::lock_guard<std::mutex> lock(shard.mu);
    bytes += sizeof(Shard) + shard.users.bucket_count() * sizeof(void*);
    for (const auto& [id, u] : shard.users) bytes += UserBytes(id, u);
  }
  return bytes;
}

}  // namespace nba

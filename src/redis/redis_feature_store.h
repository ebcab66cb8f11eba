// RedisFeatureStore: the FeatureStore of the distributed mode, shared by
// every `nba serve` replica (readers) and written by `nba consume`.
//
// Key layout (<p> = key_prefix, "nba:" by default). Every key of one user
// carries the hash tag {<user>}, so a Redis Cluster keeps them in one slot:
//   <p>u:{<user>}:e    list  recent events, oldest first, at most max_events;
//                            each "<type>|<ts_ms>|<item_id>", type the
//                            EventType number ("1|1700000000000|sku-9")
//   <p>u:{<user>}:ids  list  ids of the last max_events events; an event whose
//                            id is among the newest dedupe_window is a repeat
//   <p>u:{<user>}:b    set   purchased item ids
//   <p>u:{<user>}:p    hash  profile: age (integer), country, consent ("1"/"0")
//   <p>u:{<user>}:v    string the user's version
//   <p>users           set   known user ids (num_users)
//   <p>version         string the last version handed out (INCR)
//   <p>trend:<hour>    zset  trending weight per item for the hour since the
//                            epoch of the events (expires after 26 hours)
// Versions come from the one <p>version counter, not a per-user one, so they
// are never reused, even after an erasure (a per-user counter would restart
// at 1 and hit the recommendations cached for the erased history).
//
// A batch of changes is one pipeline (one round trip) of Lua scripts, each
// atomic: a profile or an erasure is one script, a run of events one
// script per 200 events; then one more round trip adds the batch's trending
// counts. The event script builds its keys from the user ids and spans
// users, and the scripts touch <p>users and <p>version: one Redis, not a
// Cluster.
//
// Reads (Lookup) are one MULTI/EXEC round trip, a consistent snapshot: the
// version read always belongs to the events read, which the recommendation
// cache relies on. With local_cache_ms > 0 a replica answers from a local
// copy up to that old (its own writes drop the copy).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "features/feature_store.h"
#include "recommend/trending.h"
#include "redis/redis_client.h"

namespace nba {

struct RedisFeatureStoreOptions {
  std::string key_prefix = "nba:";
  size_t max_events = 200;             // recent events (and event ids) kept per user, >= 1
  // Repeats are looked for among the user's newest ids only: redeliveries
  // and retries arrive close to the original, and a longer scan would cost
  // Redis's one thread on every event.
  size_t dedupe_window = 64;
  int local_cache_ms = 0;              // 0: every Lookup asks Redis
  size_t local_cache_entries = 100000; // users held by the local cache
};

// One write of `nba consume`.
enum class ApplyOutcome { kApplied, kDuplicate, kNoConsent };

struct FeatureChange {
  enum Kind { kEvent, kProfile, kErase };
  Kind kind = kEvent;
  std::string user_id;
  std::string event_id;  // kEvent: applied once per id (within the user's last
                         // dedupe_window ids); empty: no dedupe
  UserEvent event;       // kEvent
  UserProfile profile;   // kProfile
};

class RedisFeatureStore : public FeatureStore {
 public:
  RedisFeatureStore(std::shared_ptr<RedisClient> client, RedisFeatureStoreOptions options = {});

  // Get = Lookup with an error answered "unknown" (and counted).
  bool Get(std::string_view user_id, UserFeatures* out) const override;
  // Unavailable when Redis could not be asked; Corruption naming the key when
  // a stored value does not parse.
  Status Lookup(std::string_view user_id, UserFeatures* out, bool* found) const override;

  // Each one ApplyBatch of one change (an event without id: no dedupe); a
  // failure is counted in errors(), as the interface cannot report it.
  void ApplyEvent(std::string_view user_id, const UserEvent& event) override;
  void SetProfile(std::string_view user_id, const UserProfile& profile) override;
  void Erase(std::string_view user_id) override;

  // Every change in one round trip, each atomic. (*applied)[i] is kDuplicate
  // for an event skipped as a duplicate id, kNoConsent for one skipped
  // because the user's profile says consent=0, kApplied otherwise. The
  // applied events then add their type's weight (view 1, click 2,
  // add_to_cart 3, purchase 5, others 2) to their item in the trending key
  // of their hour (one command per item and hour, after the events). On an error some changes may have been applied:
  // retrying the batch is safe for events with ids (deduped) and for profiles
  // and erasures (idempotent but for a new version).
  Status ApplyBatch(std::span<const FeatureChange> changes, std::vector<ApplyOutcome>* applied);

  // The best n items of the last 24 hourly trending keys (the hour of now_ms
  // and the 23 before), each hour weighted 2^-(age_hours / half_life_hours):
  // best first, ties smaller id first. One ZUNION (Redis >= 6.2) returning
  // every item seen in those hours.
  Status TrendingTop(int64_t now_ms, double half_life_hours, size_t n, std::vector<TrendingItem>* out) const;

  // SCARD of <p>users; 0 when Redis cannot be asked.
  size_t num_users() const override;
  // used_memory of the whole Redis (INFO memory), not only of this store's
  // keys; 0 when Redis cannot be asked.
  size_t memory_bytes() const override;

  // Lookups and writes that failed, since construction.
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  struct CachedLookup {
    int64_t fetched_ms;  // steady clock
    bool found;
    UserFeatures features;
  };

  std::string UserKey(std::string_view user_id, const char* field) const;
  Status Fetch(std::string_view user_id, UserFeatures* out, bool* found) const;
  void Forget(std::string_view user_id) const;
  void Remember(std::string_view user_id, const UserFeatures& features, bool found) const;
  void ApplyOne(const FeatureChange& change);
  Status AddTrending(std::span<const FeatureChange> changes, const std::vector<ApplyOutcome>& applied);

  const std::shared_ptr<RedisClient> client_;
  const RedisFeatureStoreOptions options_;
  const RedisScript event_script_, profile_script_, erase_script_;
  mutable std::atomic<uint64_t> errors_{0};
  mutable std::mutex cache_mu_;
  // Cleared when full: simpler than LRU and as good for a window this short.
  mutable std::unordered_map<std::string, CachedLookup, Hash, std::equal_to<>> cache_;  // guarded by cache_mu_
};

}  // namespace nba

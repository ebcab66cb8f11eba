// MemoryFeatureStore: the embedded FeatureStore. Users are sharded by the
// hash of their id (a mutex per shard, so concurrent requests for different
// users rarely contend). Per user it keeps a bounded ring of recent events
// (16 bytes each: items are interned to uint32 codes shared by all users),
// the sorted purchased item codes, and the profile.
//
// Snapshots make restarts fast: SaveSnapshot writes every user plus the log
// sequence number the content covers; a restart loads it and replays only
// the log records after that number (see ingest/replay.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "features/feature_store.h"
#include "features/item_interner.h"

namespace nba {

struct MemoryFeatureStoreOptions {
  size_t max_events = 200;  // recent events kept per user (>= 1)
  size_t shards = 64;       // >= 1
};

class MemoryFeatureStore : public FeatureStore {
 public:
  explicit MemoryFeatureStore(MemoryFeatureStoreOptions options = {});

  bool Get(std::string_view user_id, UserFeatures* out) const override;
  void ApplyEvent(std::string_view user_id, const UserEvent& event) override;
  void SetProfile(std::string_view user_id, const UserProfile& profile) override;
  void Erase(std::string_view user_id) override;
  size_t num_users() const override;
  size_t memory_bytes() const override;

  // False when the user's profile withdrew consent: their events must not be
  // stored (nor logged).
  bool AcceptsEvents(std::string_view user_id) const;

  // Serializes every user, stamped with `covered_seq`: the last event log
  // sequence number reflected in the store. The caller keeps writers out
  // meanwhile, so the content matches covered_seq exactly. Format (integers
  // little-endian): "nbafeat1" | covered_seq u64 | items u32 {len u32, bytes}
  // | users u64 {id, version u64, has_profile u8, age i32, country, consent u8,
  // events u32 {item u32, type u8, ts i64}, purchased u32 {item u32}} | crc32.
  // Files are written by ingest/replay.h (atomically, temp + fsync + rename).
  void EncodeSnapshot(uint64_t covered_seq, std::string* out) const;
  // Replaces the store's content with a snapshot. Corruption, naming `file`
  // and the offset, when it fails its checksum or does not parse. Users with
  // more events than max_events keep their most recent ones.
  Status DecodeSnapshot(std::string_view data, const std::string& file, uint64_t* covered_seq);

  const MemoryFeatureStoreOptions& options() const { return options_; }

 private:
  struct CompactEvent {
    uint32_t item;
    EventType type;
    int64_t ts_ms;
  };
  struct UserState {
    std::vector<CompactEvent> ring;  // grows to max_events, then wraps
    uint32_t head = 0;               // index of the oldest event once full
    std::vector<uint32_t> purchased; // sorted item codes
    UserProfile profile;
    bool has_profile = false;
    uint64_t version = 0;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using UserMap = std::unordered_map<std::string, UserState, Hash, std::equal_to<>>;
  struct Shard {
    mutable std::mutex mu;
    UserMap users;
  };

  Shard& ShardOf(std::string_view user_id) const;
  // The user's state, created when new. Call with the shard locked.
  UserState& Upsert(Shard& shard, std::string_view user_id);
  void Push(UserState& u, const CompactEvent& e) const;
  static size_t UserBytes(const std::string& id, const UserState& u);

  const MemoryFeatureStoreOptions options_;
  std::unique_ptr<Shard[]> shards_;
  ItemInterner items_;
  std::atomic<uint64_t> next_version_{1};  // versions are never reused, even across erasure
  std::atomic<size_t> num_users_{0};
};

}  // namespace nba

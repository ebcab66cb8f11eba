// MemoryFeatureStore's snapshot encoding (format in memory_feature_store.h).
#include <zlib.h>

#include <algorithm>

#include "core/coding.h"
#include "features/memory_feature_store.h"

namespace nba {
namespace {

constexpr std::string_view kMagic = "nbafeat1";

uint32_t Crc(std::string_view data) {
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

}  // namespace

void MemoryFeatureStore::EncodeSnapshot(uint64_t covered_seq, std::string* out) const {
  out->assign(kMagic);
  PutFixed<uint64_t>(out, covered_seq);
  uint32_t num_items = static_cast<uint32_t>(items_.size());
  PutFixed<uint32_t>(out, num_items);
  for (uint32_t code = 0; code < num_items; ++code) PutLengthPrefixed(out, items_.Name(code));
  size_t count_at = out->size();
  PutFixed<uint64_t>(out, 0);
  uint64_t users = 0;
  for (size_t i = 0; i < options_.shards; ++i) {
    const Shard& shard = shards_[i];
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const auto& [id, u] : shard.users) {
      ++users;
      PutLengthPrefixed(out, id);
      PutFixed<uint64_t>(out, u.version);
      PutFixed<uint8_t>(out, u.has_profile);
      PutFixed<int32_t>(out, u.profile.age);
      PutLengthPrefixed(out, u.profile.country);
      PutFixed<uint8_t>(out, u.profile.consent);
      PutFixed<uint32_t>(out, static_cast<uint32_t>(u.ring.size()));
      for (size_t k = 0; k < u.ring.size(); ++k) {
        const CompactEvent& e = u.ring[(u.head + k) % u.ring.size()];
        PutFixed<uint32_t>(out, e.item);
        PutFixed<uint8_t>(out, static_cast<uint8_t>(e.type));
        PutFixed<int64_t>(out, e.ts_ms);
      }
      PutFixed<uint32_t>(out, static_cast<uint32_t>(u.purchased.size()));
      for (uint32_t code : u.purchased) PutFixed<uint32_t>(out, code);
    }
  }
  std::string count;
  PutFixed<uint64_t>(&count, users);
  out->replace(count_at, count.size(), count);
  PutFixed<uint32_t>(out, Crc(*out));
}

Status MemoryFeatureStore::DecodeSnapshot(std::string_view data, const std::string& file, uint64_t* covered_seq) {
  auto corrupt = [&file](size_t offset, const std::string& why) {
    return Status::Corruption(file + ": offset " + std::to_string(offset) + ": " + why);
  };
  if (data.size() < kMagic.size() + 4 || data.substr(0, kMagic.size()) != kMagic) {
    return corrupt(0, "not a feature store snapshot (bad magic)");
  }
  std::string_view body = data.substr(0, data.size() - 4);
  if (Decoder(data.substr(body.size())).Get<uint32_t>() != Crc(body)) {
    return corrupt(body.size(), "checksum mismatch (damaged or truncated file)");
  }
  Decoder in(body.substr(kMagic.size()));
  uint64_t seq = in.Get<uint64_t>();
  uint32_t num_items = in.Get<uint32_t>();
  if (!in.CanHold(num_items, 4)) return corrupt(kMagic.size() + in.pos(), "item count exceeds the file");
  // Snapshot codes -> this store's codes (the interner may already hold items).
  std::vector<uint32_t> codes(num_items);
  for (uint32_t& c : codes) c = items_.Intern(in.GetLengthPrefixed());
  uint64_t num_users = in.Get<uint64_t>();
  if (!in.CanHold(num_users, 30)) return corrupt(kMagic.size() + in.pos(), "user count exceeds the file");

  for (size_t i = 0; i < options_.shards; ++i) {
    std::lock_guard<std::mutex> lock(shards_[i].mu);
    shards_[i].users.clear();
  }
  num_users_ = 0;
  uint64_t max_version = 0;
  for (uint64_t n = 0; n < num_users; ++n) {
    size_t at = kMagic.size() + in.pos();
    std::string_view id = in.GetLengthPrefixed();
    UserState u;
    u.version = in.Get<uint64_t>();
    u.has_profile = in.Get<uint8_t>() != 0;
    u.profile.age = in.Get<int32_t>();
    u.profile.country = in.GetLengthPrefixed();
    u.profile.consent = in.Get<uint8_t>() != 0;
    uint32_t events = in.Get<uint32_t>();
    if (!in.CanHold(events, 13)) return corrupt(at, "user record exceeds the file");
    for (uint32_t k = 0; k < events; ++k) {
      uint32_t item = in.Get<uint32_t>();
      uint8_t type = in.Get<uint8_t>();
      int64_t ts = in.Get<int64_t>();
      if (item >= num_items || type >= kNumEventTypes) return corrupt(at, "event of user '" + std::string(id) + "' is invalid");
      Push(u, CompactEvent{codes[item], static_cast<EventType>(type), ts});
    }
    uint32_t purchased = in.Get<uint32_t>();
    if (!in.CanHold(purchased, 4)) return corrupt(at, "user record exceeds the file");
    for (uint32_t k = 0; k < purchased; ++k) {
      uint32_t item = in.Get<uint32_t>();
      if (item >= num_items) return corrupt(at, "purchase of user '" + std::string(id) + "' is invalid");
      u.purchased.push_back(codes[item]);
    }
    if (!in.ok()) return corrupt(at, "truncated user record");
    std::sort(u.purchased.begin(), u.purchased.end());
    max_version = std::max(max_version, u.version);
    Shard& shard = ShardOf(id);
    std::lock_guard<std::mutex> lock(shard.mu);
    if (!shard.users.try_emplace(std::string(id), std::move(u)).second) {
      return corrupt(at, "user '" + std::string(id) + "' appears twice");
    }
    num_users_.fetch_add(1, std::memory_order_relaxed);
  }
  if (in.pos() != body.size() - kMagic.size()) return corrupt(kMagic.size() + in.pos(), "trailing bytes after the last user");
  next_version_ = std::max(next_version_.load(), max_version + 1);
  *covered_seq = seq;
  return Status::Ok();
}

}  // namespace nba

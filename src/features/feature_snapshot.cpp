// MemoryFeatureStore's snapshot encoding (format in memory_feature_store.h).
#include <zlib.h>

#include <algorithm>

#include "features/memory_feature_store.h"

namespace nba {
namespace {

constexpr std::string_view kMagic = "nbafeat1";

template <typename T>
void Put(std::string* out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out->push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
}

void PutString(std::string* out, std::string_view s) {
  Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

uint32_t Crc(std::string_view data) {
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

// Bounds-checked reader: after the first short read every value is zero and
// ok() stays false, so decoding checks once per record instead of per field.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  template <typename T>
  T Get() {
    if (!Have(sizeof(T))) return T();
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    pos_ += sizeof(T);
    return static_cast<T>(v);
  }
  std::string_view GetString() {
    uint32_t n = Get<uint32_t>();
    if (!Have(n)) return {};
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // Fails when `count` items of at least `min_bytes` each cannot fit, so a
  // corrupt count is reported instead of allocated.
  bool CanHold(uint64_t count, size_t min_bytes) { return ok_ && count <= (data_.size() - pos_) / min_bytes; }
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }

 private:
  bool Have(size_t n) {
    if (ok_ && n <= data_.size() - pos_) return true;
    ok_ = false;
    return false;
  }
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace

void MemoryFeatureStore::EncodeSnapshot(uint64_t covered_seq, std::string* out) const {
  out->assign(kMagic);
  Put<uint64_t>(out, covered_seq);
  uint32_t num_items = static_cast<uint32_t>(items_.size());
  Put<uint32_t>(out, num_items);
  for (uint32_t code = 0; code < num_items; ++code) PutString(out, items_.Name(code));
  size_t count_at = out->size();
  Put<uint64_t>(out, 0);
  uint64_t users = 0;
  for (size_t i = 0; i < options_.shards; ++i) {
    const Shard& shard = shards_[i];
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const auto& [id, u] : shard.users) {
      ++users;
      PutString(out, id);
      Put<uint64_t>(out, u.version);
      Put<uint8_t>(out, u.has_profile);
      Put<int32_t>(out, u.profile.age);
      PutString(out, u.profile.country);
      Put<uint8_t>(out, u.profile.consent);
      Put<uint32_t>(out, static_cast<uint32_t>(u.ring.size()));
      for (size_t k = 0; k < u.ring.size(); ++k) {
        const CompactEvent& e = u.ring[(u.head + k) % u.ring.size()];
        Put<uint32_t>(out, e.item);
        Put<uint8_t>(out, static_cast<uint8_t>(e.type));
        Put<int64_t>(out, e.ts_ms);
      }
      Put<uint32_t>(out, static_cast<uint32_t>(u.purchased.size()));
      for (uint32_t code : u.purchased) Put<uint32_t>(out, code);
    }
  }
  std::string count;
  Put<uint64_t>(&count, users);
  out->replace(count_at, count.size(), count);
  Put<uint32_t>(out, Crc(*out));
}

Status MemoryFeatureStore::DecodeSnapshot(std::string_view data, const std::string& file, uint64_t* covered_seq) {
  auto corrupt = [&file](size_t offset, const std::string& why) {
    return Status::Corruption(file + ": offset " + std::to_string(offset) + ": " + why);
  };
  if (data.size() < kMagic.size() + 4 || data.substr(0, kMagic.size()) != kMagic) {
    return corrupt(0, "not a feature store snapshot (bad magic)");
  }
  std::string_view body = data.substr(0, data.size() - 4);
  if (Reader(data.substr(body.size())).Get<uint32_t>() != Crc(body)) {
    return corrupt(body.size(), "checksum mismatch (damaged or truncated file)");
  }
  Reader in(body.substr(kMagic.size()));
  uint64_t seq = in.Get<uint64_t>();
  uint32_t num_items = in.Get<uint32_t>();
  if (!in.CanHold(num_items, 4)) return corrupt(kMagic.size() + in.pos(), "item count exceeds the file");
  // Snapshot codes -> this store's codes (the interner may already hold items).
  std::vector<uint32_t> codes(num_items);
  for (uint32_t& c : codes) c = items_.Intern(in.GetString());
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
    std::string_view id = in.GetString();
    UserState u;
    u.version = in.Get<uint64_t>();
    u.has_profile = in.Get<uint8_t>() != 0;
    u.profile.age = in.Get<int32_t>();
    u.profile.country = in.GetString();
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

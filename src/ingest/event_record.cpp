#include "ingest/event_record.h"

#include <bit>

namespace nba {
namespace {

enum Flags : uint8_t { kSession = 1, kPrice = 2, kQuantity = 4, kContext = 8 };

template <typename T>
void Put(std::string* out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out->push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
}

void PutString(std::string* out, std::string_view s) {
  Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  template <typename T>
  bool Get(T* v) {
    if (sizeof(T) > data_.size() - pos_) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < sizeof(T); ++i) x |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
    pos_ += sizeof(T);
    *v = static_cast<T>(x);
    return true;
  }
  bool GetString(std::string* s) {
    uint32_t n = 0;
    if (!Get(&n) || n > data_.size() - pos_) return false;
    s->assign(data_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace

void EncodeEvent(const IngestEvent& e, std::string* out) {
  out->clear();
  Put<uint8_t>(out, static_cast<uint8_t>(RecordKind::kEvent));
  PutString(out, e.user_id);
  PutString(out, e.item_id);
  Put<uint8_t>(out, static_cast<uint8_t>(e.type));
  Put<int64_t>(out, e.ts_ms);
  uint8_t flags = (e.session_id.empty() ? 0 : kSession) | (e.price ? kPrice : 0) | (e.quantity ? kQuantity : 0) |
                  (e.context.empty() ? 0 : kContext);
  Put<uint8_t>(out, flags);
  if (flags & kSession) PutString(out, e.session_id);
  if (flags & kPrice) Put<uint64_t>(out, std::bit_cast<uint64_t>(*e.price));
  if (flags & kQuantity) Put<uint32_t>(out, *e.quantity);
  if (flags & kContext) PutString(out, e.context);
}

void EncodeProfile(std::string_view user_id, const UserProfile& p, std::string* out) {
  out->clear();
  Put<uint8_t>(out, static_cast<uint8_t>(RecordKind::kProfile));
  PutString(out, user_id);
  Put<int32_t>(out, p.age);
  PutString(out, p.country);
  Put<uint8_t>(out, p.consent ? 1 : 0);
}

void EncodeErase(std::string_view user_id, std::string* out) {
  out->clear();
  Put<uint8_t>(out, static_cast<uint8_t>(RecordKind::kErase));
  PutString(out, user_id);
}

Status DecodeRecord(std::string_view data, LogRecord* out) {
  *out = LogRecord();
  Reader in(data);
  uint8_t kind = 0;
  if (!in.Get(&kind)) return Status::Corruption("event record: empty");
  if (!in.GetString(&out->user_id)) return Status::Corruption("event record: truncated user id");
  bool ok = true;
  switch (kind) {
    case static_cast<uint8_t>(RecordKind::kEvent): {
      IngestEvent& e = out->event;
      e.user_id = out->user_id;
      uint8_t type = 0, flags = 0;
      ok = in.GetString(&e.item_id) && in.Get(&type) && in.Get(&e.ts_ms) && in.Get(&flags);
      if (ok && (type == 0 || type >= kNumEventTypes)) return Status::Corruption("event record: unknown event type " + std::to_string(type));
      if (ok && flags > 15) return Status::Corruption("event record: unknown flags " + std::to_string(flags));
      e.type = static_cast<EventType>(type);
      if (ok && (flags & kSession)) ok = in.GetString(&e.session_id);
      if (ok && (flags & kPrice)) {
        uint64_t bits = 0;
        ok = in.Get(&bits);
        e.price = std::bit_cast<double>(bits);
      }
      if (ok && (flags & kQuantity)) {
        uint32_t quantity = 0;
        ok = in.Get(&quantity);
        e.quantity = quantity;
      }
      if (ok && (flags & kContext)) ok = in.GetString(&e.context);
      break;
    }
    case static_cast<uint8_t>(RecordKind::kProfile): {
      uint8_t consent = 0;
      ok = in.Get(&out->profile.age) && in.GetString(&out->profile.country) && in.Get(&consent);
      out->profile.consent = consent != 0;
      break;
    }
    case static_cast<uint8_t>(RecordKind::kErase):
      break;
    default:
      return Status::Corruption("event record: unknown kind " + std::to_string(kind));
  }
  if (!ok) return Status::Corruption("event record: truncated");
  if (!in.done()) return Status::Corruption("event record: trailing bytes");
  out->kind = static_cast<RecordKind>(kind);
  return Status::Ok();
}

}  // namespace nba

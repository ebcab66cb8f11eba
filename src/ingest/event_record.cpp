#include "ingest/event_record.h"

#include <bit>

#include "core/coding.h"

namespace nba {
namespace {

enum Flags : uint8_t { kSession = 1, kPrice = 2, kQuantity = 4, kContext = 8, kEventId = 16 };

}  // namespace

void EncodeEvent(const IngestEvent& e, std::string* out) {
  out->clear();
  PutFixed<uint8_t>(out, static_cast<uint8_t>(RecordKind::kEvent));
  PutLengthPrefixed(out, e.user_id);
  PutLengthPrefixed(out, e.item_id);
  PutFixed<uint8_t>(out, static_cast<uint8_t>(e.type));
  PutFixed<int64_t>(out, e.ts_ms);
  uint8_t flags = (e.session_id.empty() ? 0 : kSession) | (e.price ? kPrice : 0) | (e.quantity ? kQuantity : 0) |
                  (e.context.empty() ? 0 : kContext) | (e.event_id.empty() ? 0 : kEventId);
  PutFixed<uint8_t>(out, flags);
  if (flags & kSession) PutLengthPrefixed(out, e.session_id);
  if (flags & kPrice) PutFixed<uint64_t>(out, std::bit_cast<uint64_t>(*e.price));
  if (flags & kQuantity) PutFixed<uint32_t>(out, *e.quantity);
  if (flags & kContext) PutLengthPrefixed(out, e.context);
  if (flags & kEventId) PutLengthPrefixed(out, e.event_id);
}

void EncodeProfile(std::string_view user_id, const UserProfile& p, std::string* out) {
  out->clear();
  PutFixed<uint8_t>(out, static_cast<uint8_t>(RecordKind::kProfile));
  PutLengthPrefixed(out, user_id);
  PutFixed<int32_t>(out, p.age);
  PutLengthPrefixed(out, p.country);
  PutFixed<uint8_t>(out, p.consent ? 1 : 0);
}

void EncodeErase(std::string_view user_id, std::string* out) {
  out->clear();
  PutFixed<uint8_t>(out, static_cast<uint8_t>(RecordKind::kErase));
  PutLengthPrefixed(out, user_id);
}

Status DecodeRecord(std::string_view data, LogRecord* out) {
  *out = LogRecord();
  Decoder in(data);
  const uint8_t kind = in.Get<uint8_t>();
  if (!in.ok()) return Status::Corruption("event record: empty");
  out->user_id = in.GetLengthPrefixed();
  if (!in.ok()) return Status::Corruption("event record: truncated user id");
  switch (kind) {
    case static_cast<uint8_t>(RecordKind::kEvent): {
      IngestEvent& e = out->event;
      e.user_id = out->user_id;
      e.item_id = in.GetLengthPrefixed();
      const uint8_t type = in.Get<uint8_t>();
      e.ts_ms = in.Get<int64_t>();
      const uint8_t flags = in.Get<uint8_t>();
      if (in.ok() && (type == 0 || type >= kNumEventTypes))
        return Status::Corruption("event record: unknown event type " + std::to_string(type));
      if (in.ok() && flags > 31) return Status::Corruption("event record: unknown flags " + std::to_string(flags));
      e.type = static_cast<EventType>(type);
      if (flags & kSession) e.session_id = in.GetLengthPrefixed();
      if (flags & kPrice) e.price = std::bit_cast<double>(in.Get<uint64_t>());
      if (flags & kQuantity) e.quantity = in.Get<uint32_t>();
      if (flags & kContext) e.context = in.GetLengthPrefixed();
      if (flags & kEventId) e.event_id = in.GetLengthPrefixed();
      break;
    }
    case static_cast<uint8_t>(RecordKind::kProfile):
      out->profile.age = in.Get<int32_t>();
      out->profile.country = in.GetLengthPrefixed();
      out->profile.consent = in.Get<uint8_t>() != 0;
      break;
    case static_cast<uint8_t>(RecordKind::kErase):
      break;
    default:
      return Status::Corruption("event record: unknown kind " + std::to_string(kind));
  }
  if (!in.ok()) return Status::Corruption("event record: truncated");
  if (!in.done()) return Status::Corruption("event record: trailing bytes");
  out->kind = static_cast<RecordKind>(kind);
  return Status::Ok();
}

}  // namespace nba

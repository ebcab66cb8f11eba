// The records `nba serve` stores in the event log: accepted events, profile
// changes and user erasures share one log, told apart by a kind byte, so
// one ordered stream says everything that happened to a user.
//
// Binary layout (integers little-endian, str := len u32 | bytes):
//   kEvent   1 | user str | item str | type u8 | ts_ms i64 | flags u8
//              | [session str] [price f64] [quantity u32] [context str]
//              | [event_id str]
//              (flags: 1 session, 2 price, 4 quantity, 8 context, 16 event
//              id; absent fields take no bytes)
//   kProfile 2 | user str | age i32 | country str | consent u8
//   kErase   3 | user str
// The log's framing already checksums each record; decoding checks lengths,
// kinds and ranges so that a record from a newer writer is refused, not
// misread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "features/feature_store.h"

namespace nba {

enum class RecordKind : uint8_t { kEvent = 1, kProfile = 2, kErase = 3 };

// One validated event, as accepted by POST /v1/events and stored.
struct IngestEvent {
  std::string user_id;
  std::string item_id;
  EventType type = EventType::kView;
  int64_t ts_ms = 0;
  std::string session_id;          // empty: none
  std::optional<double> price;
  std::optional<uint32_t> quantity;
  std::string context;             // minified JSON object; empty: none
  // The client's id for the event, or one the server assigns when events go
  // to Kafka: the consumer applies each id once although Kafka may deliver
  // a message twice. Empty: none (the embedded log needs no dedupe).
  std::string event_id;

  bool operator==(const IngestEvent&) const = default;
};

struct LogRecord {
  RecordKind kind = RecordKind::kEvent;
  std::string user_id;   // every kind
  IngestEvent event;     // kEvent (its user_id equals user_id)
  UserProfile profile;   // kProfile
};

void EncodeEvent(const IngestEvent& event, std::string* out);
void EncodeProfile(std::string_view user_id, const UserProfile& profile, std::string* out);
void EncodeErase(std::string_view user_id, std::string* out);

// Corruption with the reason when `data` is not a record of this format.
Status DecodeRecord(std::string_view data, LogRecord* out);

// The feature store's view of an event.
inline UserEvent ToUserEvent(const IngestEvent& e) { return UserEvent{e.item_id, e.type, e.ts_ms}; }

}  // namespace nba

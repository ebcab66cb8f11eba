// One record of the data lake and its line of JSON. Each line of a part file
// is one object, self-describing so that tools other than nba can read it:
//
//   kind         "event" | "profile" | "erase"                    every kind
//   user_id      string                                           every kind
//   ts_ms        int: the record's time, which picks its hour directory:
//                the event's own time, else the Kafka message time
//   kafka_ts_ms  int: the Kafka message time                      every kind
//   partition    int, offset int: where the message was in Kafka every kind
//   event_id     string ("" when the producer gave none)          event
//   item_id      string; type: "view" | "click" | "add_to_cart" | "purchase"
//                | "interaction" | "rating" (EventTypeName)       event
//   session_id   string; price number; quantity int; context object
//                                                   event, only when present
//   age int (-1 unknown), country string, consent bool            profile
//
// Unknown fields are ignored on reading, so later writers may add some.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ingest/event_record.h"

namespace nba {

// A Kafka message as the lake stores it.
struct LakeEntry {
  LogRecord record;
  // The Kafka message timestamp; when a message has none (librdkafka's -1),
  // the caller passes the time it consumed it: a profile or erase record
  // needs a valid time to pick its hour.
  int64_t ts_ms = 0;
  int32_t partition = 0;
  int64_t offset = 0;
};

// The time that partitions the entry: an event's own ts_ms, else the
// message timestamp.
inline int64_t LakeRecordTime(const LakeEntry& e) {
  return e.record.kind == RecordKind::kEvent ? e.record.event.ts_ms : e.ts_ms;
}

// Appends the entry's line, without the newline. InvalidArgument with the
// reason when it cannot be one: text that is not UTF-8, a context that is not
// a JSON object, a price that is not finite, a record time outside
// ValidLakeTime.
Status EncodeLakeLine(const LakeEntry& entry, std::string* out);

// Parses one line. InvalidArgument with the field and the reason when the
// line is not a record of this schema.
Status DecodeLakeLine(std::string_view line, LakeEntry* out);

}  // namespace nba

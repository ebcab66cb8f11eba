// Parsing and validation of the JSON bodies of the ingest routes (simdjson:
// this is the hot request path).
//
// POST /v1/events takes one event object or a non-empty array of them:
//   user_id     string (or integer, taken as its decimal text), 1..256 bytes
//   item_id     same
//   event_type  a name of EventSchema::event_types
//   timestamp   integer ms since the epoch; absent or null: server time;
//               negative or more than max_future_ms ahead: rejected
//   session_id  optional string (or integer), at most 256 bytes
//   price       optional number >= 0
//   quantity    optional integer >= 1
//   context     optional object, kept as minified JSON, at most 4 KiB
// Unknown fields are ignored, so clients may send more than we store; null
// counts as absent for the optional fields.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ingest/event_record.h"

namespace nba {

struct EventSchema {
  // Accepted event_type names. Config may add names mapped to a stored type
  // (e.g. "wishlist" -> interaction).
  std::map<std::string, EventType, std::less<>> event_types = {
      {"view", EventType::kView},
      {"click", EventType::kClick},
      {"add_to_cart", EventType::kAddToCart},
      {"purchase", EventType::kPurchase}};
  int64_t max_future_ms = 24 * 3600 * 1000;
  size_t max_id_bytes = 256;
  size_t max_context_bytes = 4096;
};

// Why the event at `index` of the body was rejected.
struct EventError {
  size_t index = 0;
  std::string field;   // "user_id", ...; empty when the element is not an object
  std::string reason;
};

struct ParsedEvents {
  size_t total = 0;                 // events in the body
  std::vector<IngestEvent> events;  // the valid ones, in body order
  std::vector<size_t> indices;      // their positions in the body
  std::vector<EventError> errors;   // the others, in body order
};

// Parses a POST /v1/events body. The Status is InvalidArgument, and nothing
// is accepted, when the body is not valid JSON or UTF-8, is neither an object
// nor an array, or is an empty array; problems of single events go to
// out->errors and the others are kept.
Status ParseEvents(std::string_view body, const EventSchema& schema, int64_t now_ms, ParsedEvents* out);

// Parses a PUT /v1/users/{id} body: {"age": 0..150, "country": "DE",
// "consent": true}, every field optional (null or absent: unknown age, no
// country, consent true). The whole profile is replaced. Unknown fields are
// rejected, since a misspelt "consent" must not silently mean consent.
// On error *field names the offending field ("body" for the document).
Status ParseProfile(std::string_view body, UserProfile* out, std::string* field);

// Checks a user or item id: non-empty and at most max_bytes bytes.
bool ValidId(std::string_view id, size_t max_bytes, std::string* reason);

}  // namespace nba

#include "ingest/event_codec.h"

#include <simdjson.h>

#include <cmath>
#include <limits>

#include "ingest/thread_json_parser.h"

namespace nba {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

Status ParseDocument(std::string_view body, element* doc) {
  simdjson::error_code err = ThreadJsonParser().parse(body.data(), body.size()).get(*doc);
  if (err == simdjson::UTF8_ERROR) return Status::InvalidArgument("body is not valid UTF-8");
  if (err) return Status::InvalidArgument(std::string("body is not valid JSON: ") + simdjson::error_message(err));
  return Status::Ok();
}

// Field lookup treating null as absent.
bool Field(simdjson::dom::object obj, std::string_view name, element* out) {
  return !obj[name].get(*out) && !out->is_null();
}

// Reads an id: a string, or an integer taken as its decimal text.
bool ReadId(element el, size_t max_bytes, std::string* out, std::string* reason) {
  switch (el.type()) {
    case element_type::STRING: out->assign(std::string_view(el.get_string().value_unsafe())); break;
    case element_type::INT64: *out = std::to_string(el.get_int64().value_unsafe()); break;
    case element_type::UINT64: *out = std::to_string(el.get_uint64().value_unsafe()); break;
    default:
      *reason = "must be a string or an integer";
      return false;
  }
  return ValidId(*out, max_bytes, reason);
}

// Validates one event object; on failure sets *field and *reason.
bool ParseEvent(element el, const EventSchema& schema, int64_t now_ms, IngestEvent* e, std::string* field,
                std::string* reason) {
  simdjson::dom::object obj;
  if (el.get(obj)) {
    *reason = "event must be a JSON object";
    return false;
  }
  auto fail = [&](const char* name, std::string why) {
    *field = name;
    *reason = std::move(why);
    return false;
  };
  element v;
  if (!Field(obj, "user_id", &v)) return fail("user_id", "is required");
  if (!ReadId(v, schema.max_id_bytes, &e->user_id, reason)) return fail("user_id", *reason);
  if (!Field(obj, "item_id", &v)) return fail("item_id", "is required");
  if (!ReadId(v, schema.max_id_bytes, &e->item_id, reason)) return fail("item_id", *reason);

  std::string_view type;
  if (!Field(obj, "event_type", &v)) return fail("event_type", "is required");
  if (v.get(type)) return fail("event_type", "must be a string");
  auto it = schema.event_types.find(type);
  if (it == schema.event_types.end()) {
    std::string names;
    for (const auto& [name, t] : schema.event_types) names += (names.empty() ? "" : ", ") + name;
    return fail("event_type", "unknown event type '" + std::string(type) + "' (known: " + names + ")");
  }
  e->type = it->second;

  e->ts_ms = now_ms;
  if (Field(obj, "timestamp", &v)) {
    if (v.is_uint64() && !v.is_int64()) return fail("timestamp", "is more than 1 day in the future");
    if (!v.is_int64()) return fail("timestamp", "must be an integer (milliseconds since the epoch)");
    e->ts_ms = v.get_int64().value_unsafe();
    if (e->ts_ms < 0) return fail("timestamp", "must not be negative");
    if (e->ts_ms > now_ms + schema.max_future_ms) {
      return fail("timestamp", "is more than " + std::to_string(schema.max_future_ms) + " ms in the future");
    }
  }
  if (Field(obj, "session_id", &v)) {
    if (!ReadId(v, schema.max_id_bytes, &e->session_id, reason)) return fail("session_id", *reason);
  }
  if (Field(obj, "event_id", &v)) {
    if (!ReadId(v, schema.max_id_bytes, &e->event_id, reason)) return fail("event_id", *reason);
  }
  if (Field(obj, "price", &v)) {
    double price = 0;
    if (v.get(price)) return fail("price", "must be a number");
    if (!(price >= 0) || !std::isfinite(price)) return fail("price", "must be >= 0");
    e->price = price;
  }
  if (Field(obj, "quantity", &v)) {
    int64_t q = 0;
    if (!v.is_int64() || v.get(q)) return fail("quantity", "must be an integer");
    if (q < 1 || q > std::numeric_limits<uint32_t>::max()) return fail("quantity", "must be between 1 and 4294967295");
    e->quantity = static_cast<uint32_t>(q);
  }
  if (Field(obj, "context", &v)) {
    if (!v.is_object()) return fail("context", "must be a JSON object");
    e->context = simdjson::to_string(v);
    if (e->context.size() > schema.max_context_bytes) {
      return fail("context", "is " + std::to_string(e->context.size()) + " bytes, more than the maximum of " +
                                 std::to_string(schema.max_context_bytes));
    }
  }
  return true;
}

}  // namespace

bool ValidId(std::string_view id, size_t max_bytes, std::string* reason) {
  if (id.empty()) {
    *reason = "must not be empty";
    return false;
  }
  if (id.size() > max_bytes) {
    *reason = "is " + std::to_string(id.size()) + " bytes, more than the maximum of " + std::to_string(max_bytes);
    return false;
  }
  return true;
}

Status ParseEvents(std::string_view body, const EventSchema& schema, int64_t now_ms, ParsedEvents* out) {
  *out = ParsedEvents();
  element doc;
  NBA_RETURN_IF_ERROR(ParseDocument(body, &doc));
  auto one = [&](element el, size_t index) {
    IngestEvent e;
    EventError err{index, {}, {}};
    if (ParseEvent(el, schema, now_ms, &e, &err.field, &err.reason)) {
      out->events.push_back(std::move(e));
      out->indices.push_back(index);
    } else {
      out->errors.push_back(std::move(err));
    }
  };
  if (doc.is_object()) {
    out->total = 1;
    one(doc, 0);
    return Status::Ok();
  }
  simdjson::dom::array events;
  if (doc.get(events)) return Status::InvalidArgument("body must be an event object or an array of events");
  for (element el : events) one(el, out->total++);
  if (out->total == 0) return Status::InvalidArgument("body is an empty array: send at least one event");
  return Status::Ok();
}

Status ParseProfile(std::string_view body, UserProfile* out, std::string* field) {
  *out = UserProfile();
  *field = "body";
  element doc;
  NBA_RETURN_IF_ERROR(ParseDocument(body, &doc));
  simdjson::dom::object obj;
  if (doc.get(obj)) return Status::InvalidArgument("body must be a JSON object");
  for (auto [key, v] : obj) {
    *field = std::string(key);
    if (v.is_null()) continue;
    if (key == "age") {
      int64_t age = 0;
      if (!v.is_int64() || v.get(age)) return Status::InvalidArgument("age must be an integer");
      if (age < 0 || age > 150) return Status::InvalidArgument("age must be between 0 and 150");
      out->age = static_cast<int>(age);
    } else if (key == "country") {
      std::string_view c;
      if (v.get(c)) return Status::InvalidArgument("country must be a string");
      auto upper = [](char ch) { return ch >= 'A' && ch <= 'Z'; };
      if (!c.empty() && !(c.size() == 2 && upper(c[0]) && upper(c[1]))) {
        return Status::InvalidArgument("country must be an ISO 3166-1 alpha-2 code such as \"DE\"");
      }
      out->country = c;
    } else if (key == "consent") {
      bool consent = true;
      if (v.get(consent)) return Status::InvalidArgument("consent must be true or false");
      out->consent = consent;
    } else {
      return Status::InvalidArgument("unknown field '" + std::string(key) + "' (known: age, country, consent)");
    }
  }
  field->clear();
  return Status::Ok();
}

}  // namespace nba

#include "lake/lake_record.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "core/utf8.h"
#include "data/dataset.h"
#include "ingest/thread_json_parser.h"
#include "lake/lake_layout.h"
#include "server/json_text.h"

namespace nba {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// Appends `,"name":` — every line starts with "kind", so a comma always precedes.
void AppendKey(std::string_view name, std::string* out) {
  *out += ",\"";
  *out += name;
  *out += "\":";
}

void AppendString(std::string_view name, std::string_view value, std::string* out) {
  AppendKey(name, out);
  AppendJsonString(out, value);
}

void AppendInt(std::string_view name, int64_t value, std::string* out) {
  AppendKey(name, out);
  *out += std::to_string(value);
}

// Shortest text that reads back as the same double.
void AppendDouble(std::string_view name, double value, std::string* out) {
  AppendKey(name, out);
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, end);
}

Status CheckText(std::string_view field, std::string_view value) {
  if (IsValidUtf8(value)) return Status::Ok();
  return Status::InvalidArgument(std::string(field) + " is not valid UTF-8");
}

Status FieldError(std::string_view field, std::string_view reason) {
  return Status::InvalidArgument("field '" + std::string(field) + "' " + std::string(reason));
}

// Required or optional typed members of the line's object.
class Fields {
 public:
  explicit Fields(object obj) : obj_(obj) {}

  bool Has(std::string_view name) {
    element el;
    return obj_[name].get(el) == simdjson::SUCCESS && !el.is_null();
  }

  Status String(std::string_view name, std::string* out) {
    element el;
    NBA_RETURN_IF_ERROR(Get(name, &el));
    std::string_view s;
    if (el.get_string().get(s) != simdjson::SUCCESS) return FieldError(name, "is not a string");
    *out = std::string(s);
    return Status::Ok();
  }

  Status Int(std::string_view name, int64_t* out) {
    element el;
    NBA_RETURN_IF_ERROR(Get(name, &el));
    if (el.get_int64().get(*out) != simdjson::SUCCESS) return FieldError(name, "is not a 64-bit integer");
    return Status::Ok();
  }

  Status Double(std::string_view name, double* out) {
    element el;
    NBA_RETURN_IF_ERROR(Get(name, &el));
    if (el.get_double().get(*out) != simdjson::SUCCESS) return FieldError(name, "is not a number");
    return Status::Ok();
  }

  Status Bool(std::string_view name, bool* out) {
    element el;
    NBA_RETURN_IF_ERROR(Get(name, &el));
    if (el.get_bool().get(*out) != simdjson::SUCCESS) return FieldError(name, "is not a boolean");
    return Status::Ok();
  }

  // The object as minified JSON text.
  Status Object(std::string_view name, std::string* out) {
    element el;
    NBA_RETURN_IF_ERROR(Get(name, &el));
    if (!el.is_object()) return FieldError(name, "is not a JSON object");
    *out = simdjson::to_string(el);
    return Status::Ok();
  }

 private:
  Status Get(std::string_view name, element* el) {
    if (obj_[name].get(*el) != simdjson::SUCCESS || el->is_null()) return FieldError(name, "is missing");
    return Status::Ok();
  }

  object obj_;
};

Status DecodeEvent(Fields& f, LakeEntry* out) {
  IngestEvent& e = out->record.event;
  e.user_id = out->record.user_id;
  NBA_RETURN_IF_ERROR(f.String("event_id", &e.event_id));
  NBA_RETURN_IF_ERROR(f.String("item_id", &e.item_id));
  std::string type;
  NBA_RETURN_IF_ERROR(f.String("type", &type));
  if (!ParseEventType(type, &e.type)) return FieldError("type", "is not an event type: '" + type + "'");
  NBA_RETURN_IF_ERROR(f.Int("ts_ms", &e.ts_ms));
  if (f.Has("session_id")) NBA_RETURN_IF_ERROR(f.String("session_id", &e.session_id));
  if (f.Has("price")) {
    double price = 0;
    NBA_RETURN_IF_ERROR(f.Double("price", &price));
    e.price = price;
  }
  if (f.Has("quantity")) {
    int64_t quantity = 0;
    NBA_RETURN_IF_ERROR(f.Int("quantity", &quantity));
    if (quantity < 0 || quantity > std::numeric_limits<uint32_t>::max())
      return FieldError("quantity", "is out of range");
    e.quantity = static_cast<uint32_t>(quantity);
  }
  if (f.Has("context")) NBA_RETURN_IF_ERROR(f.Object("context", &e.context));
  return Status::Ok();
}

Status DecodeProfile(Fields& f, LakeEntry* out) {
  UserProfile& p = out->record.profile;
  int64_t age = 0;
  NBA_RETURN_IF_ERROR(f.Int("age", &age));
  if (age < std::numeric_limits<int32_t>::min() || age > std::numeric_limits<int32_t>::max())
    return FieldError("age", "is out of range");
  p.age = static_cast<int>(age);
  NBA_RETURN_IF_ERROR(f.String("country", &p.country));
  return f.Bool("consent", &p.consent);
}

}  // namespace

Status EncodeLakeLine(const LakeEntry& entry, std::string* out) {
  const LogRecord& r = entry.record;
  const int64_t time = LakeRecordTime(entry);
  if (!ValidLakeTime(time)) {
    return Status::InvalidArgument("record time " + std::to_string(time) +
                                   " ms is outside 1970-01-01..9999-12-31");
  }
  NBA_RETURN_IF_ERROR(CheckText("user_id", r.user_id));
  std::string line;
  switch (r.kind) {
    case RecordKind::kEvent: {
      const IngestEvent& e = r.event;
      NBA_RETURN_IF_ERROR(CheckText("item_id", e.item_id));
      NBA_RETURN_IF_ERROR(CheckText("event_id", e.event_id));
      NBA_RETURN_IF_ERROR(CheckText("session_id", e.session_id));
      line = "{\"kind\":\"event\"";
      AppendString("event_id", e.event_id, &line);
      AppendString("user_id", r.user_id, &line);
      AppendString("item_id", e.item_id, &line);
      AppendString("type", EventTypeName(e.type), &line);
      AppendInt("ts_ms", e.ts_ms, &line);
      if (!e.session_id.empty()) AppendString("session_id", e.session_id, &line);
      if (e.price) {
        if (!std::isfinite(*e.price)) return Status::InvalidArgument("price is not a finite number");
        AppendDouble("price", *e.price, &line);
      }
      if (e.quantity) AppendInt("quantity", *e.quantity, &line);
      if (!e.context.empty()) {
        // Spliced as text: checked to be an object so the line stays one valid document.
        element el;
        if (ThreadJsonParser().parse(e.context).get(el) != simdjson::SUCCESS || !el.is_object())
          return Status::InvalidArgument("context is not a JSON object");
        AppendKey("context", &line);
        line += e.context;
      }
      break;
    }
    case RecordKind::kProfile:
      NBA_RETURN_IF_ERROR(CheckText("country", r.profile.country));
      line = "{\"kind\":\"profile\"";
      AppendString("user_id", r.user_id, &line);
      AppendInt("ts_ms", time, &line);
      AppendInt("age", r.profile.age, &line);
      AppendString("country", r.profile.country, &line);
      AppendKey("consent", &line);
      line += r.profile.consent ? "true" : "false";
      break;
    case RecordKind::kErase:
      line = "{\"kind\":\"erase\"";
      AppendString("user_id", r.user_id, &line);
      AppendInt("ts_ms", time, &line);
      break;
  }
  AppendInt("kafka_ts_ms", entry.ts_ms, &line);
  AppendInt("partition", entry.partition, &line);
  AppendInt("offset", entry.offset, &line);
  line.push_back('}');
  *out += line;
  return Status::Ok();
}

Status DecodeLakeLine(std::string_view line, LakeEntry* out) {
  *out = LakeEntry();
  element doc;
  if (ThreadJsonParser().parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS)
    return Status::InvalidArgument("not valid JSON");
  object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return Status::InvalidArgument("not a JSON object");
  Fields f(obj);
  std::string kind;
  NBA_RETURN_IF_ERROR(f.String("kind", &kind));
  NBA_RETURN_IF_ERROR(f.String("user_id", &out->record.user_id));
  NBA_RETURN_IF_ERROR(f.Int("kafka_ts_ms", &out->ts_ms));
  int64_t partition;
  NBA_RETURN_IF_ERROR(f.Int("partition", &partition));
  if (partition < 0 || partition > std::numeric_limits<int32_t>::max())
    return FieldError("partition", "is out of range");
  out->partition = static_cast<int32_t>(partition);
  NBA_RETURN_IF_ERROR(f.Int("offset", &out->offset));
  if (kind == "event") {
    out->record.kind = RecordKind::kEvent;
    return DecodeEvent(f, out);
  }
  if (kind == "profile") {
    out->record.kind = RecordKind::kProfile;
    return DecodeProfile(f, out);
  }
  if (kind == "erase") {
    out->record.kind = RecordKind::kErase;
    return Status::Ok();
  }
  return FieldError("kind", "is not event, profile or erase: '" + kind + "'");
}

}  // namespace nba

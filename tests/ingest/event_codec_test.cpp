// JSON validation of ingest bodies and the binary log record format.
#include <gtest/gtest.h>

#include "ingest/event_codec.h"
#include "ingest/event_record.h"

namespace nba {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

ParsedEvents Parse(const std::string& body, Status* status = nullptr) {
  ParsedEvents p;
  Status s = ParseEvents(body, EventSchema(), kNow, &p);
  if (status != nullptr) *status = s;
  else EXPECT_TRUE(s.ok()) << s.ToString();
  return p;
}

// The single error of a one-event body.
EventError ErrorOf(const std::string& event) {
  ParsedEvents p = Parse(event);
  EXPECT_EQ(p.errors.size(), 1u) << event;
  return p.errors.empty() ? EventError() : p.errors[0];
}

TEST(EventCodecTest, FullEventIsParsed) {
  ParsedEvents p = Parse(R"({"user_id":"u1","item_id":"i9","event_type":"purchase","timestamp":1699999999000,
      "session_id":"s","price":12.5,"quantity":2,"context":{"page": "home", "ab": [1, 2]},"extra":"ignored",
      "event_id":"e-7"})");
  ASSERT_EQ(p.events.size(), 1u);
  const IngestEvent& e = p.events[0];
  EXPECT_EQ(e.user_id, "u1");
  EXPECT_EQ(e.item_id, "i9");
  EXPECT_EQ(e.type, EventType::kPurchase);
  EXPECT_EQ(e.ts_ms, 1699999999000);
  EXPECT_EQ(e.session_id, "s");
  EXPECT_EQ(e.price, 12.5);
  EXPECT_EQ(e.quantity, 2u);
  EXPECT_EQ(e.context, R"({"page":"home","ab":[1,2]})");
  EXPECT_EQ(e.event_id, "e-7");
}

TEST(EventCodecTest, DefaultsAndNumericIds) {
  ParsedEvents p = Parse(R"([{"user_id":42,"item_id":18446744073709551615,"event_type":"view","price":null}])");
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].user_id, "42");
  EXPECT_EQ(p.events[0].item_id, "18446744073709551615");
  EXPECT_EQ(p.events[0].ts_ms, kNow);
  EXPECT_FALSE(p.events[0].price.has_value());
  EXPECT_TRUE(p.events[0].context.empty());
}

TEST(EventCodecTest, BatchKeepsGoodEventsAndReportsBadOnesByIndex) {
  ParsedEvents p = Parse(R"([{"user_id":"a","item_id":"x","event_type":"view"},
                             {"user_id":"b","event_type":"view"},
                             7,
                             {"user_id":"c","item_id":"y","event_type":"click"}])");
  EXPECT_EQ(p.total, 4u);
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.indices, (std::vector<size_t>{0, 3}));
  ASSERT_EQ(p.errors.size(), 2u);
  EXPECT_EQ(p.errors[0].index, 1u);
  EXPECT_EQ(p.errors[0].field, "item_id");
  EXPECT_EQ(p.errors[0].reason, "is required");
  EXPECT_EQ(p.errors[1].index, 2u);
  EXPECT_EQ(p.errors[1].reason, "event must be a JSON object");
}

TEST(EventCodecTest, EveryBadFieldNamesFieldAndReason) {
  struct Case {
    std::string fields, field, reason_part;
  };
  std::string id256(256, 'x'), id257(257, 'x');
  std::vector<Case> cases = {
      {R"("item_id":"i","event_type":"view")", "user_id", "is required"},
      {R"("user_id":"","item_id":"i","event_type":"view")", "user_id", "must not be empty"},
      {R"("user_id":")" + id257 + R"(","item_id":"i","event_type":"view")", "user_id", "257 bytes"},
      {R"("user_id":true,"item_id":"i","event_type":"view")", "user_id", "string or an integer"},
      {R"("user_id":1.5,"item_id":"i","event_type":"view")", "user_id", "string or an integer"},
      {R"("user_id":"u","item_id":["i"],"event_type":"view")", "item_id", "string or an integer"},
      {R"("user_id":"u","item_id":"i")", "event_type", "is required"},
      {R"("user_id":"u","item_id":"i","event_type":3)", "event_type", "must be a string"},
      {R"("user_id":"u","item_id":"i","event_type":"teleport")", "event_type", "unknown event type 'teleport'"},
      {R"("user_id":"u","item_id":"i","event_type":"view","timestamp":-1)", "timestamp", "negative"},
      {R"("user_id":"u","item_id":"i","event_type":"view","timestamp":1800000000000)", "timestamp", "future"},
      {R"("user_id":"u","item_id":"i","event_type":"view","timestamp":18446744073709551615)", "timestamp", "future"},
      {R"("user_id":"u","item_id":"i","event_type":"view","timestamp":"2024-01-01")", "timestamp", "integer"},
      {R"("user_id":"u","item_id":"i","event_type":"view","timestamp":1.5)", "timestamp", "integer"},
      {R"("user_id":"u","item_id":"i","event_type":"view","price":-0.01)", "price", ">= 0"},
      {R"("user_id":"u","item_id":"i","event_type":"view","price":"9")", "price", "number"},
      {R"("user_id":"u","item_id":"i","event_type":"view","quantity":0)", "quantity", "between 1"},
      {R"("user_id":"u","item_id":"i","event_type":"view","quantity":1.5)", "quantity", "integer"},
      {R"("user_id":"u","item_id":"i","event_type":"view","context":"x")", "context", "JSON object"},
      {R"("user_id":"u","item_id":"i","event_type":"view","context":{"k":")" + std::string(5000, 'a') + R"("})",
       "context", "more than the maximum of 4096"},
      {R"("user_id":"u","item_id":"i","event_type":"view","session_id":{})", "session_id", "string"},
  };
  for (const Case& c : cases) {
    EventError e = ErrorOf("{" + c.fields + "}");
    EXPECT_EQ(e.field, c.field) << c.fields;
    EXPECT_NE(e.reason.find(c.reason_part), std::string::npos) << c.fields << " -> " << e.reason;
  }
  // The boundary itself is fine.
  EXPECT_EQ(Parse(R"({"user_id":")" + id256 + R"(","item_id":"i","event_type":"view"})").events.size(), 1u);
  EXPECT_EQ(Parse(R"({"user_id":"u","item_id":"i","event_type":"view","timestamp":)" +
                  std::to_string(kNow + 86'400'000) + "}")
                .events.size(),
            1u);
}

TEST(EventCodecTest, WholeBodyErrors) {
  Status s;
  Parse("{\"user_id\": ", &s);
  EXPECT_NE(s.message().find("not valid JSON"), std::string::npos) << s.message();
  Parse("[]", &s);
  EXPECT_NE(s.message().find("empty array"), std::string::npos);
  Parse("\"event\"", &s);
  EXPECT_NE(s.message().find("object or an array"), std::string::npos);
  Parse("", &s);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  Parse("{\"user_id\":\"\xff\xfe\",\"item_id\":\"i\",\"event_type\":\"view\"}", &s);
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.message();
}

TEST(EventCodecTest, ConfiguredEventTypes) {
  EventSchema schema;
  schema.event_types["wishlist"] = EventType::kInteraction;
  ParsedEvents p;
  ASSERT_TRUE(ParseEvents(R"({"user_id":"u","item_id":"i","event_type":"wishlist"})", schema, kNow, &p).ok());
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].type, EventType::kInteraction);
}

TEST(ProfileCodecTest, ParsesAndValidates) {
  UserProfile p;
  std::string field;
  ASSERT_TRUE(ParseProfile(R"({"age":33,"country":"DE","consent":false})", &p, &field).ok());
  EXPECT_EQ(p.age, 33);
  EXPECT_EQ(p.country, "DE");
  EXPECT_FALSE(p.consent);
  ASSERT_TRUE(ParseProfile(R"({"age":null})", &p, &field).ok());
  EXPECT_EQ(p.age, -1);
  EXPECT_TRUE(p.consent);
  struct Case {
    std::string body, field;
  };
  for (const Case& c : std::vector<Case>{{R"({"age":151})", "age"},
                                         {R"({"age":-1})", "age"},
                                         {R"({"age":"30"})", "age"},
                                         {R"({"country":"Germany"})", "country"},
                                         {R"({"country":"de"})", "country"},
                                         {R"({"consent":"yes"})", "consent"},
                                         {R"({"consnet":false})", "consnet"},
                                         {R"([1])", "body"},
                                         {R"({"age":)", "body"}}) {
    Status s = ParseProfile(c.body, &p, &field);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << c.body;
    EXPECT_EQ(field, c.field) << c.body << ": " << s.message();
  }
}

TEST(EventRecordTest, RoundTripsEveryKind) {
  IngestEvent full{"user", "item", EventType::kAddToCart, -5, "sess", 0.25, 3u, R"({"a":1})", "event-1"};
  IngestEvent bare{"u", "i", EventType::kView, 1, "", std::nullopt, std::nullopt, ""};
  for (const IngestEvent& e : {full, bare}) {
    std::string data;
    EncodeEvent(e, &data);
    LogRecord r;
    ASSERT_TRUE(DecodeRecord(data, &r).ok());
    EXPECT_EQ(r.kind, RecordKind::kEvent);
    EXPECT_EQ(r.user_id, e.user_id);
    EXPECT_EQ(r.event, e);
  }
  std::string data;
  EncodeProfile("p", UserProfile{40, "NL", false}, &data);
  LogRecord r;
  ASSERT_TRUE(DecodeRecord(data, &r).ok());
  EXPECT_EQ(r.kind, RecordKind::kProfile);
  EXPECT_EQ(r.user_id, "p");
  EXPECT_EQ(r.profile.age, 40);
  EXPECT_EQ(r.profile.country, "NL");
  EXPECT_FALSE(r.profile.consent);
  EncodeErase("gone", &data);
  ASSERT_TRUE(DecodeRecord(data, &r).ok());
  EXPECT_EQ(r.kind, RecordKind::kErase);
  EXPECT_EQ(r.user_id, "gone");
}

TEST(EventRecordTest, RejectsDamagedRecords) {
  std::string data;
  EncodeEvent(IngestEvent{"user", "item", EventType::kView, 1, "s", 1.0, 1u, "{}"}, &data);
  LogRecord r;
  for (size_t n = 0; n < data.size(); ++n) {
    EXPECT_EQ(DecodeRecord(std::string_view(data).substr(0, n), &r).code(), Status::Code::kCorruption) << n;
  }
  EXPECT_NE(DecodeRecord(data + "x", &r).message().find("trailing"), std::string::npos);
  std::string unknown = data;
  unknown[0] = 9;
  EXPECT_NE(DecodeRecord(unknown, &r).message().find("unknown kind 9"), std::string::npos);
}

}  // namespace
}  // namespace nba

#include "lake/lake_record.h"

#include <gtest/gtest.h>

namespace nba {
namespace {

LakeEntry FullEvent() {
  LakeEntry e;
  e.record.kind = RecordKind::kEvent;
  e.record.user_id = "u \"1\"\t\x01é";
  e.record.event = {e.record.user_id, "sku-9", EventType::kAddToCart, 1717200000123, "s-1", 19.9, 3,
                    R"({"page":"home","pos":[1,2],"n":{"a":true}})", "ev-1"};
  e.ts_ms = 1717200000456;
  e.partition = 4;
  e.offset = 77;
  return e;
}

LakeEntry RoundTrip(const LakeEntry& in) {
  std::string line;
  Status s = EncodeLakeLine(in, &line);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  LakeEntry out;
  s = DecodeLakeLine(line, &out);
  EXPECT_TRUE(s.ok()) << s.ToString() << " line " << line;
  return out;
}

TEST(LakeRecordTest, EventWithEveryFieldRoundTrips) {
  const LakeEntry in = FullEvent();
  const LakeEntry out = RoundTrip(in);
  EXPECT_EQ(out.record.kind, RecordKind::kEvent);
  EXPECT_EQ(out.record.user_id, in.record.user_id);
  EXPECT_EQ(out.record.event, in.record.event);
  EXPECT_EQ(out.ts_ms, in.ts_ms);
  EXPECT_EQ(out.partition, 4);
  EXPECT_EQ(out.offset, 77);
}

TEST(LakeRecordTest, EventWithoutOptionalFieldsRoundTrips) {
  LakeEntry in = FullEvent();
  in.record.event.session_id.clear();
  in.record.event.price.reset();
  in.record.event.quantity.reset();
  in.record.event.context.clear();
  in.record.event.event_id.clear();
  std::string line;
  ASSERT_TRUE(EncodeLakeLine(in, &line).ok());
  EXPECT_EQ(line.find("price"), std::string::npos);
  EXPECT_EQ(line.find("context"), std::string::npos);
  EXPECT_EQ(RoundTrip(in).record.event, in.record.event);
}

TEST(LakeRecordTest, ProfileAndEraseRoundTripWithTheMessageTime) {
  LakeEntry profile;
  profile.record.kind = RecordKind::kProfile;
  profile.record.user_id = "u2";
  profile.record.profile = {34, "DE", false};
  profile.ts_ms = 1717200000999;
  profile.offset = 5;
  std::string line;
  ASSERT_TRUE(EncodeLakeLine(profile, &line).ok());
  EXPECT_NE(line.find("\"ts_ms\":1717200000999"), std::string::npos) << line;
  LakeEntry out = RoundTrip(profile);
  EXPECT_EQ(out.record.kind, RecordKind::kProfile);
  EXPECT_EQ(out.record.profile.age, 34);
  EXPECT_EQ(out.record.profile.country, "DE");
  EXPECT_FALSE(out.record.profile.consent);
  EXPECT_EQ(out.ts_ms, profile.ts_ms);

  LakeEntry erase;
  erase.record.kind = RecordKind::kErase;
  erase.record.user_id = "u2";
  erase.ts_ms = 1717200001000;
  out = RoundTrip(erase);
  EXPECT_EQ(out.record.kind, RecordKind::kErase);
  EXPECT_EQ(out.record.user_id, "u2");
  EXPECT_EQ(out.ts_ms, erase.ts_ms);
}

TEST(LakeRecordTest, RefusesWhatALineCannotHold) {
  std::string line;
  LakeEntry e = FullEvent();
  e.record.event.context = "{not json";
  EXPECT_EQ(EncodeLakeLine(e, &line).code(), Status::Code::kInvalidArgument);
  e = FullEvent();
  e.record.event.context = "[1,2]";
  EXPECT_EQ(EncodeLakeLine(e, &line).code(), Status::Code::kInvalidArgument);
  e = FullEvent();
  e.record.user_id = "\xff\xfe";
  EXPECT_NE(EncodeLakeLine(e, &line).message().find("user_id"), std::string::npos);
  e = FullEvent();
  e.record.event.ts_ms = -5;
  EXPECT_EQ(EncodeLakeLine(e, &line).code(), Status::Code::kInvalidArgument);
  LakeEntry erase;
  erase.record.kind = RecordKind::kErase;
  erase.ts_ms = -1;  // Kafka's "no timestamp"
  EXPECT_EQ(EncodeLakeLine(erase, &line).code(), Status::Code::kInvalidArgument);
}

TEST(LakeRecordTest, DecodeNamesTheBadField) {
  LakeEntry out;
  EXPECT_NE(DecodeLakeLine("{oops", &out).message().find("JSON"), std::string::npos);
  Status s = DecodeLakeLine(
      R"({"kind":"event","event_id":"","user_id":"u","item_id":"i","type":"teleport","ts_ms":1,"kafka_ts_ms":1,"partition":0,"offset":0})",
      &out);
  EXPECT_NE(s.message().find("type"), std::string::npos) << s.message();
  s = DecodeLakeLine(R"({"kind":"erase","user_id":"u","kafka_ts_ms":1,"partition":0})", &out);
  EXPECT_NE(s.message().find("offset"), std::string::npos) << s.message();
  s = DecodeLakeLine(R"({"kind":"purge","user_id":"u","kafka_ts_ms":1,"partition":0,"offset":1})", &out);
  EXPECT_NE(s.message().find("kind"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace nba

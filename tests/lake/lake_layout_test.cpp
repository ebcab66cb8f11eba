#include "lake/lake_layout.h"

#include <gtest/gtest.h>

#include "../testing/temp_dir.h"

namespace nba {
namespace {

constexpr int64_t kJune1 = 1717200000000;  // 2024-06-01T00:00:00Z

TEST(LakeLayoutTest, HourDirectoryIsTheUtcHourOfTheTime) {
  EXPECT_EQ(LakeHourDir(0), "date=1970-01-01/hour=00");
  EXPECT_EQ(LakeHourDir(kJune1 + 7 * kLakeHourMs + 59 * 60000), "date=2024-06-01/hour=07");
  EXPECT_EQ(LakeHourDir(kJune1 - 1), "date=2024-05-31/hour=23");
  EXPECT_EQ(LakeHourStart(kJune1 + 7 * kLakeHourMs + 1234), kJune1 + 7 * kLakeHourMs);
  EXPECT_EQ(FormatUtcTime(kJune1 + 7 * kLakeHourMs + 5 * 60000 + 9000), "2024-06-01 07:05:09");
}

TEST(LakeLayoutTest, ParsesDatesAndDirectoriesStrictly) {
  int64_t ms;
  int hour;
  ASSERT_TRUE(ParseUtcDate("2024-06-01", &ms));
  EXPECT_EQ(ms, kJune1);
  ASSERT_TRUE(ParseLakeDateDir("date=2024-02-29", &ms));
  EXPECT_FALSE(ParseUtcDate("2023-02-29", &ms));
  EXPECT_FALSE(ParseUtcDate("2024-6-01", &ms));
  EXPECT_FALSE(ParseUtcDate("2024-06-01x", &ms));
  EXPECT_FALSE(ParseLakeDateDir("2024-06-01", &ms));
  ASSERT_TRUE(ParseLakeHourDir("hour=23", &hour));
  EXPECT_EQ(hour, 23);
  EXPECT_FALSE(ParseLakeHourDir("hour=24", &hour));
  EXPECT_FALSE(ParseLakeHourDir("hour=7", &hour));
  EXPECT_FALSE(ValidLakeTime(-1));
  EXPECT_FALSE(ValidLakeTime(253402300800000));
}

TEST(LakeLayoutTest, PartNamesRoundTripWithDashesInTheTopic) {
  LakePartName name{"user-events.v2", 12, 100, 250};
  const std::string text = FormatLakePartName(name);
  EXPECT_EQ(text, "part-user-events.v2-12-100-250.jsonl.zst");
  LakePartName parsed;
  ASSERT_TRUE(ParseLakePartName(text, &parsed));
  EXPECT_EQ(parsed.topic, "user-events.v2");
  EXPECT_EQ(parsed.partition, 12);
  EXPECT_EQ(parsed.first_offset, 100);
  EXPECT_EQ(parsed.last_offset, 250);
  EXPECT_FALSE(ParseLakePartName(text + ".tmp-abc123", &parsed));
  EXPECT_FALSE(ParseLakePartName("part-t-1-9-3.jsonl.zst", &parsed));  // first > last
  EXPECT_FALSE(ParseLakePartName("part-1-2-3.jsonl.zst", &parsed));    // no topic
  EXPECT_FALSE(ParseLakePartName("part-t-x-2-3.jsonl.zst", &parsed));
}

TEST(LakeLayoutTest, CheckpointsReadBackAndRefuseGarbage) {
  testing::TempDir dir;
  int64_t next = 0;
  ASSERT_TRUE(ReadLakeCheckpoint(dir.File("missing"), &next).ok());
  EXPECT_EQ(next, -1);
  ASSERT_TRUE(WriteLakeCheckpoint(dir.File("t-3"), 42).ok());
  ASSERT_TRUE(ReadLakeCheckpoint(dir.File("t-3"), &next).ok());
  EXPECT_EQ(next, 42);
  dir.Write("bad", "forty-two\n");
  Status s = ReadLakeCheckpoint(dir.File("bad"), &next);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find(dir.File("bad")), std::string::npos) << s.message();

  std::string topic;
  int32_t partition;
  ASSERT_TRUE(ParseLakeCheckpointName("user-events-7", &topic, &partition));
  EXPECT_EQ(topic, "user-events");
  EXPECT_EQ(partition, 7);
  EXPECT_FALSE(ParseLakeCheckpointName("user-events-7.tmp-Xa12bc", &topic, &partition));
}

}  // namespace
}  // namespace nba

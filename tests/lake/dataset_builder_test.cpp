// `nba dataset build`'s logic on a real lake: erasure, duplicates, order,
// time range, and a TSV that the importer reads back unchanged.
#include "lake/dataset_builder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <vector>

#include "data/importer.h"
#include "lake/lake_layout.h"
#include "lake/lake_writer.h"
#include "../testing/temp_dir.h"

namespace nba {
namespace {

constexpr int64_t kJune1 = 1717200000000;  // 2024-06-01T00:00:00Z
constexpr int64_t kDay = 24 * kLakeHourMs;

// Writes Kafka-like batches to a lake: offsets count per partition.
class LakeFixture {
 public:
  explicit LakeFixture(const std::string& dir) {
    Status s = LakeWriter::Open(dir, "user-events", &writer_);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  void Event(const std::string& user, const std::string& item, int64_t ts, const std::string& event_id = "",
             int32_t partition = 0, EventType type = EventType::kView) {
    LakeEntry e = Next(partition, ts);
    e.record.kind = RecordKind::kEvent;
    e.record.user_id = user;
    e.record.event.user_id = user;
    e.record.event.item_id = item;
    e.record.event.type = type;
    e.record.event.ts_ms = ts;
    e.record.event.event_id = event_id;
    Write(e);
  }

  void Erase(const std::string& user, int64_t ts, int32_t partition = 0) {
    LakeEntry e = Next(partition, ts);
    e.record.kind = RecordKind::kErase;
    e.record.user_id = user;
    Write(e);
  }

  void Profile(const std::string& user, int64_t ts) {
    LakeEntry e = Next(0, ts);
    e.record.kind = RecordKind::kProfile;
    e.record.user_id = user;
    e.record.profile = {30, "DE", true};
    Write(e);
  }

 private:
  LakeEntry Next(int32_t partition, int64_t ts) {
    LakeEntry e;
    e.partition = partition;
    e.offset = next_offset_[partition]++;
    e.ts_ms = ts;
    return e;
  }

  void Write(const LakeEntry& e) {
    Status s = writer_->WriteBatch(e.partition, std::vector<LakeEntry>{e});
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  std::unique_ptr<LakeWriter> writer_;
  std::map<int32_t, int64_t> next_offset_;
};

// "user item ts event" rows of `data`, user by user.
std::vector<std::string> Rows(const Dataset& data) {
  std::vector<std::string> rows;
  for (uint32_t u = 0; u < data.num_users(); ++u) {
    for (const Interaction& e : data.sequences[u]) {
      rows.push_back(data.users.External(u) + " " + data.items.External(e.item) + " " + std::to_string(e.ts) + " " +
                     EventTypeName(e.type));
    }
  }
  return rows;
}

Dataset Build(const std::string& lake, DatasetBuildReport* report, DatasetBuildOptions options = {}) {
  options.lake_dir = lake;
  Dataset data;
  Status s = BuildDatasetFromLake(options, &data, report);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return data;
}

TEST(DatasetBuilderTest, ErasureHidesTheUsersEarlierEventsOnly) {
  testing::TempDir dir;
  LakeFixture lake(dir.path());
  lake.Event("alice", "i1", kJune1 + 1);
  lake.Event("bob", "i1", kJune1 + 2);
  lake.Profile("alice", kJune1 + 3);
  lake.Event("alice", "i2", kJune1 + 4);
  lake.Erase("alice", kJune1 + 5);
  lake.Event("alice", "i3", kJune1 + 6);  // a new history after the erasure
  lake.Event("carol", "i2", kJune1 + 7);
  lake.Erase("carol", kJune1 + 8);

  DatasetBuildReport report;
  Dataset data = Build(dir.path(), &report);
  // Users in order of first appearance: alice before bob.
  EXPECT_EQ(Rows(data), (std::vector<std::string>{"alice i3 " + std::to_string(kJune1 + 6) + " view",
                                                  "bob i1 " + std::to_string(kJune1 + 2) + " view"}));
  EXPECT_EQ(report.records, 8u);
  EXPECT_EQ(report.events_in_range, 5u);
  EXPECT_EQ(report.events_erased, 3u);
  EXPECT_EQ(report.erased_users, 2u);
  EXPECT_EQ(report.events_written, 2u);
  EXPECT_EQ(report.users, 2u);
  EXPECT_EQ(report.items, 2u);
}

TEST(DatasetBuilderTest, ErasureInAnotherPartitionComparesMessageTimes) {
  testing::TempDir dir;
  LakeFixture lake(dir.path());
  lake.Event("dave", "i1", kJune1 + 10, "", /*partition=*/1);
  lake.Event("dave", "i2", kJune1 + 30, "", /*partition=*/1);
  lake.Erase("dave", kJune1 + 20, /*partition=*/0);
  DatasetBuildReport report;
  Dataset data = Build(dir.path(), &report);
  EXPECT_EQ(Rows(data), (std::vector<std::string>{"dave i2 " + std::to_string(kJune1 + 30) + " view"}));
}

TEST(DatasetBuilderTest, ErasureAfterTheRangeStillApplies) {
  testing::TempDir dir;
  LakeFixture lake(dir.path());
  lake.Event("erin", "i1", kJune1 + 1);
  lake.Event("frank", "i1", kJune1 + 2);
  lake.Erase("erin", kJune1 + 3 * kDay);
  DatasetBuildReport report;
  DatasetBuildOptions range;
  range.from_ms = kJune1;
  range.to_ms = kJune1 + kDay;
  Dataset data = Build(dir.path(), &report, range);
  EXPECT_EQ(Rows(data), (std::vector<std::string>{"frank i1 " + std::to_string(kJune1 + 2) + " view"}));
  EXPECT_EQ(report.events_erased, 1u);
}

TEST(DatasetBuilderTest, DuplicateEventIdsAreDroppedAndEventsSortedByTime) {
  testing::TempDir dir;
  LakeFixture lake(dir.path());
  lake.Event("u", "late", kJune1 + 500, "e1");
  lake.Event("u", "late", kJune1 + 500, "e1");  // a producer retry
  lake.Event("u", "early", kJune1 + 100, "e2");
  lake.Event("u", "x", kJune1 + 300, "");  // no id: never a duplicate
  lake.Event("u", "x", kJune1 + 300, "");
  lake.Event("v", "early", kJune1 + 50, "e2");  // same id, other user: not a duplicate
  DatasetBuildReport report;
  Dataset data = Build(dir.path(), &report);
  EXPECT_EQ(Rows(data), (std::vector<std::string>{"u early " + std::to_string(kJune1 + 100) + " view",
                                                  "u x " + std::to_string(kJune1 + 300) + " view",
                                                  "u x " + std::to_string(kJune1 + 300) + " view",
                                                  "u late " + std::to_string(kJune1 + 500) + " view",
                                                  "v early " + std::to_string(kJune1 + 50) + " view"}));
  EXPECT_EQ(report.duplicates_dropped, 1u);
  EXPECT_EQ(report.first_ts_ms, kJune1 + 50);
  EXPECT_EQ(report.last_ts_ms, kJune1 + 500);
}

TEST(DatasetBuilderTest, DuplicateOfAnErasedEventStaysHidden) {
  testing::TempDir dir;
  LakeFixture lake(dir.path());
  lake.Event("u", "i", kJune1 + 1, "e1");
  lake.Erase("u", kJune1 + 2);
  lake.Event("u", "i", kJune1 + 1, "e1");  // the retry landed after the erasure
  lake.Event("w", "i", kJune1 + 3, "e9");
  DatasetBuildReport report;
  Dataset data = Build(dir.path(), &report);
  EXPECT_EQ(Rows(data), (std::vector<std::string>{"w i " + std::to_string(kJune1 + 3) + " view"}));
  EXPECT_EQ(report.duplicates_dropped, 1u);
  EXPECT_EQ(report.events_erased, 1u);
}

TEST(DatasetBuilderTest, TimeRangeAndUnwritableIds) {
  testing::TempDir dir;
  LakeFixture lake(dir.path());
  lake.Event("u", "before", kJune1 - 1);
  lake.Event("u", "in", kJune1 + kDay - 1);
  lake.Event("u", "after", kJune1 + kDay);
  lake.Event("u", "tab\there", kJune1 + 5);
  DatasetBuildReport report;
  DatasetBuildOptions range;
  range.from_ms = kJune1;
  range.to_ms = kJune1 + kDay;
  Dataset data = Build(dir.path(), &report, range);
  EXPECT_EQ(Rows(data), (std::vector<std::string>{"u in " + std::to_string(kJune1 + kDay - 1) + " view"}));
  EXPECT_EQ(report.events_in_range, 2u);
  EXPECT_EQ(report.bad_ids, 1u);
  EXPECT_EQ(report.records, 4u);
}

TEST(DatasetBuilderTest, WrittenFileRoundTripsThroughTheImporter) {
  testing::TempDir dir;
  const std::string lake_dir = dir.File("lake");
  LakeFixture lake(lake_dir);
  const EventType types[] = {EventType::kView, EventType::kClick, EventType::kAddToCart, EventType::kPurchase};
  for (int64_t i = 0; i < 40; ++i) {
    lake.Event("user-" + std::to_string(i % 7), "sku-" + std::to_string(i % 11), kJune1 + i * 997 * 60000,
               "ev-" + std::to_string(i), static_cast<int32_t>(i % 3), types[i % 4]);
  }
  DatasetBuildReport report;
  Dataset built = Build(lake_dir, &report);
  DatasetBuildOptions options;
  options.lake_dir = lake_dir;
  for (const std::string name : {"train.tsv", "train.tsv.gz"}) {
    ASSERT_TRUE(BuildDatasetFile(options, dir.File(name), &report).ok());
    Dataset imported;
    ImportReport import_report;
    ImportOptions import_options;
    import_options.format = ImportFormat::kAuto;
    Status s = ImportFile(dir.File(name), import_options, &imported, &import_report);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(import_report.bad_rows, 0u);
    EXPECT_EQ(import_report.format, "tsv");
    EXPECT_EQ(Rows(imported), Rows(built)) << name;
    EXPECT_EQ(imported.num_events(), 40u);
  }
  EXPECT_EQ(report.users, 7u);
  EXPECT_EQ(report.items, 11u);
  EXPECT_GT(report.files, 1u);
  const std::string text = FormatDatasetBuildReport(report);
  EXPECT_NE(text.find("events written"), std::string::npos) << text;
  EXPECT_NE(text.find("duplicates dropped"), std::string::npos) << text;
}

TEST(DatasetBuilderTest, MissingLakeOrNoEventsIsAnError) {
  testing::TempDir dir;
  DatasetBuildOptions options;
  options.lake_dir = dir.File("missing");
  Dataset data;
  DatasetBuildReport report;
  Status s = BuildDatasetFromLake(options, &data, &report);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find(options.lake_dir), std::string::npos) << s.message();

  LakeFixture lake(dir.path());
  lake.Profile("u", kJune1);
  lake.Event("u", "i", kJune1 + 1);
  lake.Erase("u", kJune1 + 2);
  options.lake_dir = dir.path();
  s = BuildDatasetFile(options, dir.File("out.tsv"), &report);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("no events"), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(dir.File("out.tsv")));

  options.from_ms = kJune1 + kDay;
  options.to_ms = kJune1;
  EXPECT_EQ(BuildDatasetFromLake(options, &data, &report).code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace nba

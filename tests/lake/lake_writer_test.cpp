// The lake written by LakeWriter and read back by LakeReader, with real
// files: partitioning, redelivery, crash recovery, corruption.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "lake/lake_layout.h"
#include "lake/lake_reader.h"
#include "lake/lake_writer.h"
#include "lake/zstd_frame.h"
#include "../testing/temp_dir.h"

namespace nba {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kJune1 = 1717200000000;  // 2024-06-01T00:00:00Z
constexpr int64_t kHour = kLakeHourMs;

LakeEntry Event(int32_t partition, int64_t offset, const std::string& user, const std::string& item, int64_t ts) {
  LakeEntry e;
  e.record.kind = RecordKind::kEvent;
  e.record.user_id = user;
  e.record.event.user_id = user;
  e.record.event.item_id = item;
  e.record.event.ts_ms = ts;
  e.record.event.event_id = "e-" + std::to_string(partition) + "-" + std::to_string(offset);
  e.ts_ms = ts + 10;
  e.partition = partition;
  e.offset = offset;
  return e;
}

std::unique_ptr<LakeWriter> OpenWriter(const std::string& dir) {
  std::unique_ptr<LakeWriter> w;
  Status s = LakeWriter::Open(dir, "user-events", &w);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return w;
}

struct Read {
  std::vector<LakeEntry> entries;
  std::vector<LakeFile> files;
  Status status;
};

Read ReadLake(const std::string& dir, LakeReadOptions options = {}) {
  Read out;
  std::unique_ptr<LakeReader> reader;
  out.status = LakeReader::Open(dir, options, &reader);
  if (!out.status.ok()) return out;
  out.files = reader->files();
  out.status = reader->ForEach([&](const LakeFile&, const LakeEntry& e) {
    out.entries.push_back(e);
    return true;
  });
  return out;
}

std::vector<int64_t> Offsets(const Read& r, int32_t partition) {
  std::vector<int64_t> offsets;
  for (const LakeEntry& e : r.entries) {
    if (e.partition == partition) offsets.push_back(e.offset);
  }
  return offsets;
}

std::vector<std::string> PartFiles(const std::string& lake) {
  std::vector<std::string> files;
  for (const auto& f : fs::recursive_directory_iterator(lake + "/events")) {
    if (f.is_regular_file()) files.push_back(fs::relative(f.path(), lake).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(LakeWriterTest, EveryKindAndOptionalFieldRoundTrips) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.path());
  std::vector<LakeEntry> batch;
  batch.push_back(Event(0, 0, "u1", "i1", kJune1 + 1000));
  LakeEntry full = Event(0, 1, "u1", "i2", kJune1 + 2000);
  full.record.event.type = EventType::kPurchase;
  full.record.event.session_id = "s1";
  full.record.event.price = 12.5;
  full.record.event.quantity = 2;
  full.record.event.context = R"({"slot":"home","rank":3})";
  batch.push_back(full);
  LakeEntry profile;
  profile.record.kind = RecordKind::kProfile;
  profile.record.user_id = "u1";
  profile.record.profile = {41, "FR", true};
  profile.ts_ms = kJune1 + 3000;
  profile.offset = 2;
  batch.push_back(profile);
  LakeEntry erase;
  erase.record.kind = RecordKind::kErase;
  erase.record.user_id = "u1";
  erase.ts_ms = kJune1 + 4000;
  erase.offset = 3;
  batch.push_back(erase);
  ASSERT_TRUE(writer->WriteBatch(0, batch).ok());

  Read r = ReadLake(dir.path());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.entries.size(), 4u);
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].topic, "user-events");
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(r.entries[i].record.kind, batch[i].record.kind) << i;
    EXPECT_EQ(r.entries[i].record.user_id, batch[i].record.user_id) << i;
    EXPECT_EQ(r.entries[i].ts_ms, batch[i].ts_ms) << i;
    EXPECT_EQ(r.entries[i].offset, batch[i].offset) << i;
  }
  EXPECT_EQ(r.entries[0].record.event, batch[0].record.event);
  EXPECT_EQ(r.entries[1].record.event, full.record.event);
  EXPECT_EQ(r.entries[2].record.profile.age, 41);
  EXPECT_EQ(r.entries[2].record.profile.country, "FR");
  EXPECT_TRUE(r.entries[2].record.profile.consent);

  int64_t next;
  ASSERT_TRUE(ReadLakeCheckpoint(LakeCheckpointPath(dir.path(), "user-events", 0), &next).ok());
  EXPECT_EQ(next, 4);
}

TEST(LakeWriterTest, RecordsOfTwoHoursGoToTwoDirectories) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.path());
  // The event's own time picks the hour, not the message time; hours interleave in offset order.
  std::vector<LakeEntry> batch = {Event(2, 10, "u", "a", kJune1 + 23 * kHour + 5),
                                  Event(2, 11, "u", "b", kJune1 + 24 * kHour + 5),
                                  Event(2, 12, "u", "c", kJune1 + 23 * kHour + 9)};
  ASSERT_TRUE(writer->WriteBatch(2, batch).ok());
  EXPECT_EQ(PartFiles(dir.path()),
            (std::vector<std::string>{"events/date=2024-06-01/hour=23/part-user-events-2-10-12.jsonl.zst",
                                      "events/date=2024-06-02/hour=00/part-user-events-2-11-11.jsonl.zst"}));
  Read r = ReadLake(dir.path());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  // Hour first, then offset.
  EXPECT_EQ(Offsets(r, 2), (std::vector<int64_t>{10, 12, 11}));
}

TEST(LakeWriterTest, ReaderOrdersByHourThenPartitionThenOffset) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.path());
  ASSERT_TRUE(writer->WriteBatch(1, std::vector<LakeEntry>{Event(1, 0, "a", "i", kJune1 + kHour)}).ok());
  ASSERT_TRUE(writer->WriteBatch(0, std::vector<LakeEntry>{Event(0, 5, "b", "i", kJune1 + kHour)}).ok());
  ASSERT_TRUE(writer->WriteBatch(0, std::vector<LakeEntry>{Event(0, 6, "b", "i", kJune1)}).ok());
  Read r = ReadLake(dir.path());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.entries.size(), 3u);
  EXPECT_EQ(r.entries[0].offset, 6);  // hour 00
  EXPECT_EQ(r.entries[1].partition, 0);
  EXPECT_EQ(r.entries[2].partition, 1);
}

TEST(LakeWriterTest, RedeliveredOffsetsAreStoredOnce) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.path());
  std::vector<LakeEntry> first, second;
  for (int64_t o = 0; o < 5; ++o) first.push_back(Event(0, o, "u", "i", kJune1 + o));
  for (int64_t o = 3; o < 8; ++o) second.push_back(Event(0, o, "u", "i", kJune1 + o));
  ASSERT_TRUE(writer->WriteBatch(0, first).ok());
  ASSERT_TRUE(writer->WriteBatch(0, second).ok());
  ASSERT_TRUE(writer->WriteBatch(0, first).ok());  // wholly old: nothing written

  // A fresh process (new writer) sees the same checkpoint.
  auto restarted = OpenWriter(dir.path());
  int64_t next;
  ASSERT_TRUE(restarted->Recover(0, &next).ok());
  EXPECT_EQ(next, 8);
  ASSERT_TRUE(restarted->WriteBatch(0, second).ok());

  Read r = ReadLake(dir.path());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Offsets(r, 0), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(r.files.size(), 2u);
}

TEST(LakeWriterTest, RecoverDeletesWhatACrashedBatchLeftPastTheCheckpoint) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.path());
  std::vector<LakeEntry> committed = {Event(3, 0, "u", "i", kJune1), Event(3, 1, "u", "i", kJune1 + 1)};
  ASSERT_TRUE(writer->WriteBatch(3, committed).ok());
  // A batch that wrote its files, then died before its checkpoint moved:
  // write it, then put the old checkpoint back.
  std::vector<LakeEntry> crashed = {Event(3, 2, "u", "i", kJune1 + 2), Event(3, 3, "u", "i", kJune1 + kHour)};
  ASSERT_TRUE(writer->WriteBatch(3, crashed).ok());
  const std::string checkpoint = LakeCheckpointPath(dir.path(), "user-events", 3);
  ASSERT_TRUE(WriteLakeCheckpoint(checkpoint, 2).ok());
  // ...and a temp file it never renamed, and a file of another partition.
  const std::string hour0 = dir.path() + "/events/date=2024-06-01/hour=00/";
  dir.Write(fs::relative(hour0 + "part-user-events-3-4-9.jsonl.zst.tmp-AbC123", dir.path()).string(), "junk");
  auto other = OpenWriter(dir.path());
  ASSERT_TRUE(other->WriteBatch(30, std::vector<LakeEntry>{Event(30, 2, "v", "i", kJune1)}).ok());
  ASSERT_EQ(PartFiles(dir.path()).size(), 5u);

  // Before recovery a reader already ignores the uncommitted files.
  Read before = ReadLake(dir.path());
  ASSERT_TRUE(before.status.ok()) << before.status.ToString();
  EXPECT_EQ(Offsets(before, 3), (std::vector<int64_t>{0, 1}));

  auto restarted = OpenWriter(dir.path());
  int64_t next = 0;
  ASSERT_TRUE(restarted->Recover(3, &next).ok());
  EXPECT_EQ(next, 2);
  EXPECT_EQ(PartFiles(dir.path()),
            (std::vector<std::string>{"events/date=2024-06-01/hour=00/part-user-events-3-0-1.jsonl.zst",
                                      "events/date=2024-06-01/hour=00/part-user-events-30-2-2.jsonl.zst"}));
  // Kafka redelivers from the checkpoint; the lake ends up with each offset once.
  crashed.push_back(Event(3, 4, "u", "i", kJune1 + 3));
  ASSERT_TRUE(restarted->WriteBatch(3, crashed).ok());
  Read after = ReadLake(dir.path());
  ASSERT_TRUE(after.status.ok()) << after.status.ToString();
  EXPECT_EQ(Offsets(after, 3), (std::vector<int64_t>{0, 1, 2, 4, 3}));
  EXPECT_EQ(Offsets(after, 30), (std::vector<int64_t>{2}));
}

TEST(LakeWriterTest, RecoverWithoutCheckpointDeletesEveryFileOfThePartition) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.path());
  ASSERT_TRUE(writer->WriteBatch(0, std::vector<LakeEntry>{Event(0, 7, "u", "i", kJune1)}).ok());
  fs::remove(LakeCheckpointPath(dir.path(), "user-events", 0));
  int64_t next = 0;
  ASSERT_TRUE(OpenWriter(dir.path())->Recover(0, &next).ok());
  EXPECT_EQ(next, -1);
  EXPECT_TRUE(PartFiles(dir.path()).empty());
}

TEST(LakeWriterTest, RefusesBadBatchesBeforeWritingAnything) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.path());
  std::vector<LakeEntry> unordered = {Event(0, 5, "u", "i", kJune1), Event(0, 4, "u", "i", kJune1)};
  Status s = writer->WriteBatch(0, unordered);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("offset 4"), std::string::npos) << s.message();
  std::vector<LakeEntry> wrong_partition = {Event(1, 0, "u", "i", kJune1)};
  EXPECT_EQ(writer->WriteBatch(0, wrong_partition).code(), Status::Code::kInvalidArgument);
  std::vector<LakeEntry> bad_context = {Event(0, 0, "u", "i", kJune1), Event(0, 1, "u", "i", kJune1)};
  bad_context[1].record.event.context = "not json";
  s = writer->WriteBatch(0, bad_context);
  EXPECT_NE(s.message().find("offset 1: context"), std::string::npos) << s.message();
  EXPECT_TRUE(PartFiles(dir.path()).empty());
  std::unique_ptr<LakeWriter> w;
  EXPECT_EQ(LakeWriter::Open(dir.path(), "bad/topic", &w).code(), Status::Code::kInvalidArgument);
}

TEST(LakeWriterTest, WriteFailureIsAnIOErrorNamingTheFile) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.path());
  // A file where the hour directory should be: the part file cannot be created.
  const std::string hour_dir = "events/date=2024-06-01/hour=00";
  fs::create_directories(dir.File("events/date=2024-06-01"));
  dir.Write(hour_dir, "in the way");
  Status s = writer->WriteBatch(0, std::vector<LakeEntry>{Event(0, 0, "u", "i", kJune1)});
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("part-user-events-0-0-0.jsonl.zst"), std::string::npos) << s.message();
  int64_t next;
  ASSERT_TRUE(ReadLakeCheckpoint(LakeCheckpointPath(dir.path(), "user-events", 0), &next).ok());
  EXPECT_EQ(next, -1);
  // The retry succeeds once the way is clear.
  fs::remove(dir.File(hour_dir));
  ASSERT_TRUE(writer->WriteBatch(0, std::vector<LakeEntry>{Event(0, 0, "u", "i", kJune1)}).ok());
  Read r = ReadLake(dir.path());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Offsets(r, 0), (std::vector<int64_t>{0}));
}

TEST(LakeReaderTest, CorruptFileOrLineIsCorruptionNamingIt) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.path());
  ASSERT_TRUE(writer->WriteBatch(0, std::vector<LakeEntry>{Event(0, 0, "u", "i", kJune1),
                                                           Event(0, 1, "u", "i", kJune1)})
                  .ok());
  const std::string file = dir.path() + "/events/date=2024-06-01/hour=00/part-user-events-0-0-1.jsonl.zst";
  const std::string rel = fs::relative(file, dir.path()).string();

  dir.Write(rel, "this is not zstd");
  Read r = ReadLake(dir.path());
  EXPECT_EQ(r.status.code(), Status::Code::kCorruption);
  EXPECT_NE(r.status.message().find(file), std::string::npos) << r.status.message();

  std::string good_line;
  ASSERT_TRUE(EncodeLakeLine(Event(0, 0, "u", "i", kJune1), &good_line).ok());
  dir.Write(rel, ZstdCompress(good_line + "\n{\"kind\":\"event\"\n"));
  r = ReadLake(dir.path());
  EXPECT_EQ(r.status.code(), Status::Code::kCorruption);
  EXPECT_NE(r.status.message().find(file + ":2:"), std::string::npos) << r.status.message();

  // A line of another offset than the file's name says.
  std::string stray;
  ASSERT_TRUE(EncodeLakeLine(Event(0, 9, "u", "i", kJune1), &stray).ok());
  dir.Write(rel, ZstdCompress(stray + "\n"));
  r = ReadLake(dir.path());
  EXPECT_NE(r.status.message().find(file + ":1: offset 9"), std::string::npos) << r.status.message();

  const std::string compressed = ZstdCompress(good_line + "\n");
  dir.Write(rel, compressed.substr(0, compressed.size() - 3));
  r = ReadLake(dir.path());
  EXPECT_EQ(r.status.code(), Status::Code::kCorruption);
  EXPECT_NE(r.status.message().find(file), std::string::npos) << r.status.message();
}

TEST(LakeReaderTest, TimeRangeSelectsHourDirectories) {
  testing::TempDir dir;
  auto writer = OpenWriter(dir.path());
  std::vector<LakeEntry> batch;
  for (int64_t h = 0; h < 5; ++h) batch.push_back(Event(0, h, "u", "i", kJune1 + h * kHour + 30 * 60000));
  ASSERT_TRUE(writer->WriteBatch(0, batch).ok());
  // [01:45, 03:00) overlaps hours 01 and 02.
  Read r = ReadLake(dir.path(), {kJune1 + kHour + 45 * 60000, kJune1 + 3 * kHour});
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(Offsets(r, 0), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(r.files.size(), 2u);
  r = ReadLake(dir.path(), {kJune1 + 5 * kHour, kJune1 + 9 * kHour});
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.entries.empty());
}

TEST(LakeReaderTest, MissingLakeIsNotFoundAndForeignFilesAreIgnored) {
  testing::TempDir dir;
  Read r = ReadLake(dir.File("nope"));
  EXPECT_EQ(r.status.code(), Status::Code::kNotFound);
  EXPECT_NE(r.status.message().find(dir.File("nope")), std::string::npos);

  auto writer = OpenWriter(dir.path());
  ASSERT_TRUE(writer->WriteBatch(0, std::vector<LakeEntry>{Event(0, 0, "u", "i", kJune1)}).ok());
  dir.Write("events/_SUCCESS", "");
  dir.Write("events/date=2024-06-01/hour=00/notes.txt", "hello");
  r = ReadLake(dir.path());
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.entries.size(), 1u);
}

}  // namespace
}  // namespace nba

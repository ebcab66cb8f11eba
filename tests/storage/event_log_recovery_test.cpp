// Recovery rules of the event log (see event_log.h): torn tails in the last
// segment are cut and reported; damage in sealed segments is Corruption.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "event_log_testing.h"
#include "storage/event_log.h"
#include "storage/log_format.h"
#include "storage/segment_reader.h"

namespace nba {
namespace {

using testing::AppendOne;
using testing::OpenOrDie;
using testing::RecordFor;
using testing::Replayed;
using testing::ReplayAll;
using testing::TempDir;

class EventLogRecoveryTest : public ::testing::Test {
 protected:
  // Writes records 1..n one per append, then closes the log.
  void Fill(uint64_t n, uint64_t segment_bytes) {
    options_ = {.dir = tmp_.File("log"), .segment_bytes = segment_bytes};
    auto log = OpenOrDie(options_);
    ASSERT_NE(log, nullptr);
    for (uint64_t k = 1; k <= n; ++k) {
      uint64_t seq = 0;
      ASSERT_TRUE(AppendOne(log.get(), RecordFor(k), &seq).ok());
    }
    segments_ = log->stats().segments;
  }
  std::string Segment(uint64_t number) const { return options_.dir + "/" + log_format::SegmentFileName(number); }
  uint64_t Size(uint64_t number) const { return std::filesystem::file_size(Segment(number)); }
  void FlipByte(uint64_t number, uint64_t offset) {
    std::fstream f(Segment(number), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0x10));
  }
  void AppendGarbage(uint64_t number, const std::string& bytes) {
    std::ofstream(Segment(number), std::ios::app | std::ios::binary) << bytes;
  }
  // Reopens and checks that exactly records 1..kept survive and the next seq follows.
  void ExpectKept(uint64_t kept, uint64_t bytes_cut) {
    auto log = OpenOrDie(options_);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->recovery().bytes_cut, bytes_cut) << log->recovery().detail;
    EXPECT_EQ(log->recovery().next_seq, kept + 1);
    Replayed all;
    Status s = ReplayAll(*log, &all);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(all.size(), kept);
    for (uint64_t i = 0; i < kept; ++i) ASSERT_EQ(all[i].second, RecordFor(i + 1));
    uint64_t seq = 0;
    ASSERT_TRUE(AppendOne(log.get(), "after recovery", &seq).ok());
    EXPECT_EQ(seq, kept + 1);
  }

  TempDir tmp_;
  EventLogOptions options_;
  uint64_t segments_ = 0;
};

TEST_F(EventLogRecoveryTest, TruncatedLastRecordAndGarbageAreCut) {
  Fill(20, 1 << 20);
  uint64_t last_framed = log_format::FramedSize(RecordFor(20));
  uint64_t size = Size(1);
  std::filesystem::resize_file(Segment(1), size - 5);
  AppendGarbage(1, "\x13garbage that is not a record");
  uint64_t torn = Size(1) - (size - last_framed);
  {
    auto log = OpenOrDie(options_);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->recovery().bytes_cut, torn);
    EXPECT_NE(log->recovery().detail.find("00000001.log: record at offset"), std::string::npos)
        << log->recovery().detail;
  }
  EXPECT_EQ(Size(1), size - last_framed);  // the file itself was truncated
  ExpectKept(19, 0);                       // and a second recovery finds nothing to cut
}

TEST_F(EventLogRecoveryTest, FlippedByteInLastRecordIsCut) {
  Fill(20, 1 << 20);
  uint64_t last_framed = log_format::FramedSize(RecordFor(20));
  FlipByte(1, Size(1) - 3);
  ExpectKept(19, last_framed);
}

TEST_F(EventLogRecoveryTest, DamageInsideLastSegmentCutsFromThere) {
  Fill(20, 1 << 20);
  // Damage the frame of record 18: records 18..20 are indistinguishable from a torn batch.
  uint64_t tail = 0;
  for (uint64_t k = 18; k <= 20; ++k) tail += log_format::FramedSize(RecordFor(k));
  FlipByte(1, Size(1) - tail + 9);
  ExpectKept(17, tail);
}

TEST_F(EventLogRecoveryTest, FlippedByteInSealedSegmentIsCorruption) {
  Fill(200, 2048);
  ASSERT_GT(segments_, 3u);
  FlipByte(2, log_format::kHeaderSize + 14);  // payload of the first record of segment 2
  auto log = OpenOrDie(options_);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->recovery().bytes_cut, 0u);
  Replayed all;
  Status s = ReplayAll(*log, &all);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("00000002.log: record at offset 24: checksum mismatch"), std::string::npos)
      << s.message();
  // Everything before the damage was delivered, nothing after it.
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().second, RecordFor(all.size()));
  Replayed later;
  EXPECT_TRUE(ReplayAll(*log, &later, all.size() + 5).code() == Status::Code::kCorruption);
}

TEST_F(EventLogRecoveryTest, SealedSegmentMissingRecordsIsCorruption) {
  Fill(200, 2048);
  ASSERT_GT(segments_, 3u);
  // Cut exactly one whole record: every remaining frame is valid, the count is not.
  std::unique_ptr<SegmentReader> reader;
  ASSERT_TRUE(SegmentReader::Open(Segment(1), UINT64_MAX, &reader).ok());
  std::string_view record;
  uint64_t last_framed = 0;
  while (reader->Next(&record)) last_framed = log_format::FramedSize(record);
  ASSERT_TRUE(reader->status().ok());
  reader.reset();
  std::filesystem::resize_file(Segment(1), Size(1) - last_framed);
  Replayed all;
  auto log = OpenOrDie(options_);
  ASSERT_NE(log, nullptr);
  Status s = ReplayAll(*log, &all);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("00000001.log: ends at sequence"), std::string::npos) << s.message();
}

TEST_F(EventLogRecoveryTest, TornSegmentCreationIsRemoved) {
  Fill(30, 1 << 20);
  std::ofstream(Segment(2), std::ios::binary) << std::string(10, '\0');
  ExpectKept(30, 10);
  EXPECT_FALSE(std::filesystem::exists(Segment(2)));
}

TEST_F(EventLogRecoveryTest, MissingSegmentOrBadHeaderIsCorruption) {
  Fill(200, 2048);
  ASSERT_GT(segments_, 3u);
  std::unique_ptr<EventLog> log;
  FlipByte(2, 3);  // magic of a sealed segment
  Status s = EventLog::Open(options_, &log);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("00000002.log: bad magic"), std::string::npos) << s.message();

  std::filesystem::remove(Segment(2));
  s = EventLog::Open(options_, &log);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("segment 00000002.log is missing"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace nba

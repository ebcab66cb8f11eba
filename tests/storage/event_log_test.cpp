// Append / replay behaviour of the event log on the real file system.
#include "storage/event_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <thread>

#include "event_log_testing.h"
#include "storage/log_format.h"

namespace nba {
namespace {

using testing::AppendOne;
using testing::OpenOrDie;
using testing::RecordFor;
using testing::Replayed;
using testing::ReplayAll;
using testing::TempDir;

// Appends records RecordFor(first_key .. first_key+n-1) in batches of 1..7.
void AppendKeys(EventLog* log, uint64_t first_key, uint64_t n, uint64_t expect_first_seq) {
  uint64_t key = first_key;
  while (key < first_key + n) {
    uint64_t batch = std::min<uint64_t>(1 + key % 7, first_key + n - key);
    std::vector<std::string> owned;
    for (uint64_t k = key; k < key + batch; ++k) owned.push_back(RecordFor(k));
    std::vector<std::string_view> views(owned.begin(), owned.end());
    uint64_t seq = 0;
    Status s = log->Append(views, &seq);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(seq, expect_first_seq + (key - first_key));
    key += batch;
  }
}

TEST(EventLogTest, RoundTripAcrossSegmentsAndReopen) {
  TempDir tmp;
  EventLogOptions options{.dir = tmp.File("log"), .segment_bytes = 4096};
  {
    auto log = OpenOrDie(options);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->recovery().next_seq, 1u);
    AppendKeys(log.get(), 1, 1000, 1);
    EventLogStats st = log->stats();
    EXPECT_EQ(st.records, 1000u);
    EXPECT_GT(st.segments, 10u);
    EXPECT_EQ(st.fsyncs, st.batches);
    EXPECT_GT(st.fsync_nanos, 0u);
    Replayed all;
    ASSERT_TRUE(ReplayAll(*log, &all).ok());
    ASSERT_EQ(all.size(), 1000u);
    for (uint64_t i = 0; i < 1000; ++i) {
      ASSERT_EQ(all[i].first, i + 1);
      ASSERT_EQ(all[i].second, RecordFor(i + 1));
    }
    log->Close();
  }
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->recovery().bytes_cut, 0u);
  EXPECT_EQ(log->recovery().detail, "");
  EXPECT_EQ(log->recovery().next_seq, 1001u);
  EXPECT_EQ(log->stats().records, 1000u);
  AppendKeys(log.get(), 1001, 50, 1001);

  Replayed all;
  ASSERT_TRUE(ReplayAll(*log, &all).ok());
  ASSERT_EQ(all.size(), 1050u);
  for (uint64_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].first, i + 1);
    ASSERT_EQ(all[i].second, RecordFor(i + 1));
  }
  // Replay from the middle of the log, and stop early on request.
  Replayed tail;
  ASSERT_TRUE(ReplayAll(*log, &tail, 777).ok());
  ASSERT_EQ(tail.size(), 1050u - 776);
  EXPECT_EQ(tail.front().first, 777u);
  EXPECT_EQ(tail.front().second, RecordFor(777));
  int seen = 0;
  ASSERT_TRUE(log->ReadAll(1, [&](uint64_t, std::string_view) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);
}

TEST(EventLogTest, BatchLargerThanSegmentGoesIntoOneSegment) {
  TempDir tmp;
  auto log = OpenOrDie({.dir = tmp.File("log"), .segment_bytes = 100});
  ASSERT_NE(log, nullptr);
  std::string big(500, 'x');
  std::vector<std::string_view> batch{big, big, big};
  uint64_t seq = 0;
  ASSERT_TRUE(log->Append(batch, &seq).ok());
  ASSERT_TRUE(log->Append(batch, &seq).ok());
  EXPECT_EQ(seq, 4u);
  EXPECT_EQ(log->stats().segments, 2u);
  Replayed all;
  ASSERT_TRUE(ReplayAll(*log, &all).ok());
  EXPECT_EQ(all.size(), 6u);
}

TEST(EventLogTest, RejectsBadInputAndUseAfterClose) {
  TempDir tmp;
  std::unique_ptr<EventLog> log;
  EXPECT_EQ(EventLog::Open({.dir = ""}, &log).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(EventLog::Open({.dir = tmp.path() + "/no/such/parent"}, &log).code(), Status::Code::kIOError);

  log = OpenOrDie({.dir = tmp.File("log")});
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(log->Healthy());
  std::string huge(log_format::kMaxRecordBytes + 1, 'x');
  uint64_t seq = 0;
  Status s = AppendOne(log.get(), huge, &seq);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("record 0"), std::string::npos) << s.message();

  ASSERT_TRUE(log->Append({}, &seq).ok());
  EXPECT_EQ(seq, 1u);
  EXPECT_EQ(log->stats().fsyncs, 0u);

  // A second opener of the same directory is refused while the first holds it.
  std::unique_ptr<EventLog> second;
  s = EventLog::Open({.dir = tmp.File("log")}, &second);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("another process"), std::string::npos) << s.message();

  log->Close();
  EXPECT_FALSE(log->Healthy());
  EXPECT_EQ(AppendOne(log.get(), "late", &seq).code(), Status::Code::kUnavailable);
  EXPECT_TRUE(EventLog::Open({.dir = tmp.File("log")}, &second).ok());
}

TEST(EventLogTest, GroupCommitKeepsEveryRecordOnceWithFewerFsyncs) {
  TempDir tmp;
  auto log = OpenOrDie({.dir = tmp.File("log"), .segment_bytes = 64 << 10});
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::map<uint64_t, std::string>> acked(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string record = "thread " + std::to_string(t) + " record " + std::to_string(i);
        uint64_t seq = 0;
        Status s = AppendOne(log.get(), record, &seq);
        if (!s.ok()) {
          ADD_FAILURE() << s.ToString();
          return;
        }
        acked[t][seq] = record;
      }
    });
  }
  for (auto& th : threads) th.join();

  Replayed all;
  ASSERT_TRUE(ReplayAll(*log, &all).ok());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  std::map<uint64_t, std::string> by_seq(all.begin(), all.end());
  ASSERT_EQ(by_seq.size(), all.size());  // sequence numbers are unique
  size_t matched = 0;
  for (const auto& per_thread : acked) {
    for (const auto& [seq, record] : per_thread) {
      ASSERT_EQ(by_seq[seq], record) << "seq " << seq;
      ++matched;
    }
  }
  EXPECT_EQ(matched, all.size());
  EventLogStats st = log->stats();
  EXPECT_EQ(st.appends, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LT(st.fsyncs, st.appends);
  EXPECT_EQ(st.fsyncs, st.batches);
}

TEST(EventLogTest, FailedSegmentCreationAcknowledgesNothingAndRecovers) {
  TempDir tmp;
  EventLogOptions options{.dir = tmp.File("log"), .segment_bytes = 200};
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  uint64_t seq = 0;
  std::string record(150, 'r');
  ASSERT_TRUE(AppendOne(log.get(), record, &seq).ok());
  // The next batch needs segment 2, whose path is taken by a directory.
  std::string blocker = options.dir + "/" + log_format::SegmentFileName(2);
  ASSERT_EQ(::mkdir(blocker.c_str(), 0755), 0);
  seq = 0;
  Status s = AppendOne(log.get(), record, &seq);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("00000002.log: create segment: File exists"), std::string::npos) << s.message();
  EXPECT_EQ(seq, 0u);
  EXPECT_EQ(log->stats().failed_appends, 1u);
  EXPECT_TRUE(log->Healthy());  // nothing was half-written: appends may resume
  Replayed all;
  ASSERT_TRUE(ReplayAll(*log, &all).ok());
  EXPECT_EQ(all.size(), 1u);

  ASSERT_EQ(::rmdir(blocker.c_str()), 0);
  ASSERT_TRUE(AppendOne(log.get(), record, &seq).ok());
  EXPECT_EQ(seq, 2u);
  log.reset();
  log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(ReplayAll(*log, &all).ok());
  EXPECT_EQ(all.size(), 2u);
}

TEST(LogFormatTest, SegmentFileNames) {
  EXPECT_EQ(log_format::SegmentFileName(3), "00000003.log");
  EXPECT_EQ(log_format::ParseSegmentFileName("00000003.log"), 3u);
  EXPECT_EQ(log_format::ParseSegmentFileName("123456789.log"), 123456789u);
  EXPECT_FALSE(log_format::ParseSegmentFileName("0000003.log"));
  EXPECT_FALSE(log_format::ParseSegmentFileName("00000000.log"));
  EXPECT_FALSE(log_format::ParseSegmentFileName("0000000x.log"));
  EXPECT_FALSE(log_format::ParseSegmentFileName("LOCK"));
}

}  // namespace
}  // namespace nba

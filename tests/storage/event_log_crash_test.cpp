// Process-level failures: kill -9 during appends, and a full disk simulated
// with RLIMIT_FSIZE (write() then fails with EFBIG). Each runs the writer in
// a forked child that reports every acknowledged record through a pipe only
// after Append returned; the parent then reopens the log and checks that
// every acknowledged record is there, byte for byte.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "event_log_testing.h"
#include "storage/event_log.h"

namespace nba {
namespace {

using testing::AppendOne;
using testing::OpenOrDie;
using testing::Replayed;
using testing::ReplayAll;
using testing::TempDir;

// One acknowledgement: 16 bytes, written atomically to the pipe (< PIPE_BUF).
struct Ack {
  uint64_t seq;
  uint32_t writer;
  uint32_t index;
};

std::string Content(uint32_t writer, uint32_t index) {
  std::string r = "writer " + std::to_string(writer) + " index " + std::to_string(index) + " ";
  r.append(index % 200, static_cast<char>('A' + writer % 26));
  return r;
}

void SendAck(int fd, uint64_t seq, uint32_t writer, uint32_t index) {
  Ack ack{seq, writer, index};
  if (::write(fd, &ack, sizeof(ack)) != static_cast<ssize_t>(sizeof(ack))) ::_exit(3);
}

// Reads acks until EOF, or until `deadline` when given.
void ReadAcks(int fd, std::vector<Ack>* acks, std::string* pending,
              std::optional<std::chrono::steady_clock::time_point> deadline) {
  char buf[4096];
  for (;;) {
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    }
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    pending->append(buf, static_cast<size_t>(n));
    size_t whole = pending->size() / sizeof(Ack) * sizeof(Ack);
    for (size_t off = 0; off < whole; off += sizeof(Ack)) {
      Ack a;
      std::memcpy(&a, pending->data() + off, sizeof(Ack));
      acks->push_back(a);
    }
    pending->erase(0, whole);
  }
}

void ExpectAllAcknowledgedPresent(const EventLogOptions& options, const std::vector<Ack>& acks,
                                  uint64_t* records) {
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  Replayed all;
  Status s = ReplayAll(*log, &all);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::map<uint64_t, std::string> by_seq(all.begin(), all.end());
  for (const Ack& a : acks) {
    auto it = by_seq.find(a.seq);
    ASSERT_NE(it, by_seq.end()) << "acknowledged seq " << a.seq << " lost";
    ASSERT_EQ(it->second, Content(a.writer, a.index)) << "seq " << a.seq;
  }
  *records = all.size();
}

TEST(EventLogCrashTest, KillNineLosesNoAcknowledgedRecord) {
  TempDir tmp;
  EventLogOptions options{.dir = tmp.File("log"), .segment_bytes = 64 << 10};
  std::random_device rd;
  std::mt19937 rng(rd());
  std::vector<Ack> acks;
  for (uint32_t round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      std::unique_ptr<EventLog> log;
      if (!EventLog::Open(options, &log).ok()) ::_exit(2);
      std::vector<std::thread> writers;
      for (uint32_t w = 0; w < 4; ++w) {
        writers.emplace_back([&, w] {
          uint32_t writer = round * 100 + w;
          for (uint32_t i = 0;; ++i) {
            std::string record = Content(writer, i);
            uint64_t seq = 0;
            if (!AppendOne(log.get(), record, &seq).ok()) ::_exit(4);
            SendAck(fds[1], seq, writer, i);
          }
        });
      }
      for (auto& t : writers) t.join();
      ::_exit(0);
    }
    ::close(fds[1]);
    int delay_ms = std::uniform_int_distribution<int>(100, 500)(rng);
    std::string pending;
    size_t before = acks.size();
    ReadAcks(fds[0], &acks, &pending, std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    ReadAcks(fds[0], &acks, &pending, std::nullopt);
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited early, status " << status;
    EXPECT_GT(acks.size(), before) << "round " << round << " acknowledged nothing in " << delay_ms << " ms";

    uint64_t records = 0;
    ExpectAllAcknowledgedPresent(options, acks, &records);
    EXPECT_GE(records, acks.size());
  }
}

TEST(EventLogCrashTest, FullDiskFailsTheBatchAndKeepsTheLogConsistent) {
  TempDir tmp;
  EventLogOptions options{.dir = tmp.File("log")};
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);  // so write() returns EFBIG instead of killing the process
    std::unique_ptr<EventLog> log;
    if (!EventLog::Open(options, &log).ok()) ::_exit(2);
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    rlimit full = limit;
    full.rlim_cur = 1000;  // bytes per file: the segment fills after a few records
    if (::setrlimit(RLIMIT_FSIZE, &full) != 0) ::_exit(5);
    uint32_t i = 0;
    Status s;
    for (; i < 100; ++i) {
      std::string record = Content(0, i);
      uint64_t seq = 0;
      s = AppendOne(log.get(), record, &seq);
      if (!s.ok()) break;
      SendAck(fds[1], seq, 0, i);
    }
    if (s.ok()) ::_exit(10);  // the limit never hit
    if (s.code() != Status::Code::kIOError || s.message().find("File too large") == std::string::npos) ::_exit(11);
    if (!log->Healthy()) ::_exit(12);
    // Space is back: the log continues right after the last acknowledged record.
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(5);
    std::string record = Content(1, i);
    uint64_t seq = 0;
    if (!AppendOne(log.get(), record, &seq).ok()) ::_exit(13);
    SendAck(fds[1], seq, 1, i);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::vector<Ack> acks;
  std::string pending;
  ReadAcks(fds[0], &acks, &pending, std::nullopt);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  ASSERT_EQ(WEXITSTATUS(status), 0) << "child check failed (see exit codes in the test)";
  ASSERT_GE(acks.size(), 2u);
  // Nothing of the failed batch is in the log: acknowledged records are contiguous, and nothing else exists.
  for (size_t k = 0; k < acks.size(); ++k) EXPECT_EQ(acks[k].seq, k + 1);
  uint64_t records = 0;
  ExpectAllAcknowledgedPresent(options, acks, &records);
  EXPECT_EQ(records, acks.size());
  auto log = OpenOrDie(options);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->recovery().bytes_cut, 0u);
}

}  // namespace
}  // namespace nba

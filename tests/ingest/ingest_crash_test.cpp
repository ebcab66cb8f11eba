// Process-level failures of the real service: a full disk (RLIMIT_FSIZE,
// so write() fails with EFBIG) answers 503 and acknowledges nothing; kill -9
// during sustained concurrent ingest loses no acknowledged event.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "ingest_testing.h"

namespace nba {
namespace {

using nlohmann::json;
using testing::IngestStack;
using testing::kAdminKey;
using testing::kIngestKey;
using testing::TempDir;

int WaitExit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// The child checks and reports by exit code: 0 is success, see each _exit.
TEST(IngestCrashTest, DiskFullIs503AndNothingAcknowledged) {
  TempDir tmp;
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);  // so write() returns EFBIG instead of killing the process
    IngestStack s(tmp.path());
    s.Start();
    auto post = [&](const std::string& body) { return s.Send("POST", "/v1/events", body, kIngestKey); };
    if (post(R"({"user_id":"u","item_id":"a","event_type":"view"})").status != 200) ::_exit(2);
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    rlimit full = limit;
    full.rlim_cur = 1000;  // bytes per file: below what the next batch needs
    if (::setrlimit(RLIMIT_FSIZE, &full) != 0) ::_exit(3);
    std::string big = R"({"user_id":"u","item_id":"b","event_type":"view","context":{"pad":")" + std::string(600, 'x') + "\"}}";
    HttpReply r = post("[" + big + "," + big + "]");
    if (r.status != 503) ::_exit(4);
    if (r.body.find("File too large") == std::string::npos || r.body.find("log_unavailable") == std::string::npos) ::_exit(5);
    json f = json::parse(s.Send("GET", "/v1/users/u", "", kAdminKey).body);
    if (f["recent"].size() != 1) ::_exit(6);  // the store is untouched
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(3);
    if (post(big).status != 200) ::_exit(7);  // space is back: ingest resumes
    ::_exit(0);
  }
  ASSERT_EQ(WaitExit(pid), 0) << "child check failed (see the exit codes in the test)";
  auto log = std::unique_ptr<EventLog>();
  ASSERT_TRUE(EventLog::Open(EventLogOptions{.dir = tmp.path() + "/log"}, &log).ok());
  std::vector<std::string> items;
  ASSERT_TRUE(ReadVisibleRecords(*log, 1, [&](uint64_t, const LogRecord& r) {
                items.push_back(r.event.item_id);
                return true;
              }).ok());
  EXPECT_EQ(items, (std::vector<std::string>{"a", "b"}));
}

TEST(IngestCrashTest, KillDuringSustainedIngestLosesNoAcknowledgedEvent) {
  TempDir tmp;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    IngestStack s(tmp.path(), 16);
    s.Start();
    int port = s.port();
    if (::write(fds[1], &port, sizeof(port)) != sizeof(port)) ::_exit(2);
    for (;;) ::pause();
  }
  ::close(fds[1]);
  int port = 0;
  ASSERT_EQ(::read(fds[0], &port, sizeof(port)), static_cast<ssize_t>(sizeof(port)));
  ::close(fds[0]);

  constexpr int kClients = 8;
  std::vector<std::vector<IngestEvent>> acked(kClients);
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      TestConnection conn(port);
      for (int n = 0;; ++n) {
        std::vector<IngestEvent> batch;
        json body = json::array();
        for (int k = 0; k <= n % 5; ++k) {
          IngestEvent e{"client" + std::to_string(c), "item-" + std::to_string(n) + "-" + std::to_string(k),
                        k % 2 ? EventType::kClick : EventType::kView, 1000 + n};
          body.push_back({{"user_id", e.user_id}, {"item_id", e.item_id}, {"event_type", k % 2 ? "click" : "view"},
                          {"timestamp", e.ts_ms}});
          batch.push_back(std::move(e));
        }
        conn.Send(testing::HttpRequest("POST", "/v1/events", body.dump(), kIngestKey));
        HttpReply r;
        if (!conn.Read(&r)) return;  // the server died
        if (r.status != 200) return;
        acked[c].insert(acked[c].end(), batch.begin(), batch.end());
        ++answered;
      }
    });
  }
  while (answered < 200) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (auto& t : clients) t.join();
  ASSERT_EQ(WaitExit(pid), 1000 + SIGKILL);

  std::unique_ptr<EventLog> log;
  Status s = EventLog::Open(EventLogOptions{.dir = tmp.path() + "/log"}, &log);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::set<std::string> stored;
  ASSERT_TRUE(log->ReadAll(1, [&](uint64_t, std::string_view r) {
                stored.emplace(r);
                return true;
              }).ok());
  size_t total = 0;
  for (const auto& events : acked) {
    for (const IngestEvent& e : events) {
      std::string record;
      EncodeEvent(e, &record);
      EXPECT_TRUE(stored.count(record)) << "lost acknowledged event " << e.user_id << " " << e.item_id;
      ++total;
    }
  }
  EXPECT_GE(total, 200u);
  EXPECT_GE(stored.size(), total);
}

}  // namespace
}  // namespace nba

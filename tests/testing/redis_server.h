// A real redis-server for tests: its own process on a free loopback port,
// no persistence, its files in a scratch directory. Stop() and Start() again
// on the same port simulate an outage. RedisServerTest is the fixture that
// skips when redis-server is not installed and starts one per test.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace nba::testing {

class RedisServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/redis-server";
  static constexpr const char* kMissing = "redis-server not installed (run scripts/setup.sh --with-services)";

  static bool Installed() { return access(kBinary, X_OK) == 0; }

  // `extra_args` go to redis-server as they are, e.g. {"--requirepass", "pw"}.
  explicit RedisServer(std::vector<std::string> extra_args = {})
      : port_(FreePort()), extra_args_(std::move(extra_args)) {}
  ~RedisServer() { Stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts the server and waits (at most 10 s) until it answers PING.
  ::testing::AssertionResult Start() {
    if (pid_ > 0) return ::testing::AssertionSuccess();
    std::vector<std::string> args{kBinary,       "--port",       std::to_string(port_), "--bind", "127.0.0.1",
                                  "--save",      "",             "--appendonly",       "no",     "--dir",
                                  dir_.path(),   "--daemonize",  "no",                 "--logfile", LogFile()};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) return ::testing::AssertionFailure() << "fork failed for " << kBinary;
    if (pid_ == 0) {
      execv(kBinary, argv.data());
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return ::testing::AssertionFailure() << kBinary << " on port " << port_ << " exited (status " << status
                                             << "); its log:\n" << dir_.Read("redis.log");
      }
      if (AnswersPing()) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Stop();
    return ::testing::AssertionFailure() << kBinary << " on port " << port_
                                         << " did not answer PING within 10 s; its log:\n" << dir_.Read("redis.log");
  }

  // SIGTERM, then SIGKILL if it has not exited after 5 s; waits for it.
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
  }

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string LogFile() const { return dir_.File("redis.log"); }

  // A port the kernel just handed out: free unless taken in between.
  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(fd);
    EXPECT_NE(port, 0) << "no free loopback port";
    return port;
  }

  bool AnswersPing() const {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    timeval timeout{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    bool pong = false;
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        send(fd, "PING\r\n", 6, MSG_NOSIGNAL) == 6) {
      char reply[64];
      ssize_t n = recv(fd, reply, sizeof(reply), 0);
      // "+PONG", or "-NOAUTH ..." from a server that wants a password: up either way.
      pong = n > 0 && (std::string(reply, n).starts_with("+PONG") || std::string(reply, n).starts_with("-NOAUTH"));
    }
    close(fd);
    return pong;
  }

  TempDir dir_;
  int port_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
};

// A fresh redis-server per test (server_), or the test is skipped when
// redis-server is not installed.
class RedisServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::Installed()) GTEST_SKIP() << RedisServer::kMissing;
    ASSERT_TRUE(server_.Start());
  }

  RedisServer server_;
};

}  // namespace nba::testing

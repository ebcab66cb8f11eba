// A real Kafka broker for tests: scripts/services/kafka.sh runs a single
// KRaft node (Maven Central's jars, Java 17) on a free loopback port in a
// scratch directory. Starting takes seconds, so a suite shares one broker
// (KafkaBroker::Shared()) and tells its tests apart by topic name. Tests
// skip, saying why, when Java or the jars cannot be had.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace nba::testing {

// A loopback port nobody listens on now, and (for Kafka's controller) the next one too.
inline int FreePortPair() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    const int port = ntohs(a.sin_port);
    int fd2 = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in b = a;
    b.sin_port = htons(static_cast<uint16_t>(port + 1));
    const bool next_free = port < 65535 && bind(fd2, reinterpret_cast<sockaddr*>(&b), sizeof b) == 0;
    close(fd2);
    if (next_free) return port;
  }
  return 0;
}

class KafkaBroker {
 public:
  KafkaBroker() : port_(FreePortPair()) {}
  ~KafkaBroker() { Run("stop"); }

  // The suite's broker, started on first use; null (and *why) when it cannot start.
  static KafkaBroker* Shared(std::string* why) {
    // A function-local static: stopped (destructor) when the test binary exits.
    static KafkaBroker broker;
    static const bool started = broker.Start();
    if (!started) {
      *why = "no Kafka broker: scripts/services/kafka.sh start failed (run scripts/setup.sh --with-services); see " +
             broker.dir_.path() + "/script.log";
      return nullptr;
    }
    return &broker;
  }

  bool Start() { return Run("start " + dir_.path() + " " + std::to_string(port_)); }
  bool Stop() { return Run("stop"); }
  bool Kill() { return Run("kill"); }
  std::string brokers() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  bool Run(const std::string& args) {
    std::string full = args;
    if (args == "stop" || args == "kill") full += " " + dir_.path();
    std::string cmd = "bash " NBA_SOURCE_DIR "/scripts/services/kafka.sh " + full + " >>" + dir_.path() +
                      "/script.log 2>&1";
    return std::system(cmd.c_str()) == 0;
  }

  TempDir dir_;
  int port_;
};

}  // namespace nba::testing

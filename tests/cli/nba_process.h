// Test helpers that run the real `nba` binary (NBA_BINARY) as a child
// process: one command to completion, or `nba serve` in the background.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "../server/test_http.h"
#include "../testing/temp_dir.h"

namespace nba::testing {


// Starts `nba args...` in `cwd` with stdout and stderr going to files.
inline pid_t SpawnNba(const std::vector<std::string>& args, const std::string& cwd, const std::string& out_path,
                      const std::string& err_path) {
  // Everything the child needs is prepared before fork(): the child of a
  // threaded process may only make async-signal-safe calls.
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(NBA_BINARY));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid != 0) return pid;
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || chdir(cwd.c_str()) != 0) _exit(127);
  execv(NBA_BINARY, argv.data());
  _exit(127);
}

struct NbaResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out, err;
};

// Runs `nba args...` to completion in a scratch directory.
inline NbaResult RunNba(const std::vector<std::string>& args) {
  TempDir dir;
  pid_t pid = SpawnNba(args, dir.path(), dir.File("stdout"), dir.File("stderr"));
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, dir.Read("stdout"), dir.Read("stderr")};
}

inline size_t CountLines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n + (!text.empty() && text.back() != '\n');
}

// `nba serve args...` in the background, on the port it reports once listening.
class NbaServer {
 public:
  explicit NbaServer(const TempDir& dir) : dir_(dir) {}
  ~NbaServer() { Stop(SIGTERM); }

  // Starts the server and waits until /healthz answers 200.
  void Start(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string err = dir_.File("serve-" + std::to_string(starts_++) + ".err");
    pid_ = SpawnNba(argv, dir_.path(), dir_.File("serve.out"), err);
    const std::regex listening("listening on [^ ]*:([0-9]+)");
    for (int i = 0; i < 600 && port_ == 0; ++i) {  // the log replay may take a while
      std::smatch m;
      std::ifstream in(err);
      std::string log((std::istreambuf_iterator<char>(in)), {});
      if (std::regex_search(log, m, listening)) port_ = std::stoi(m[1]);
      int status;
      if (port_ == 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL() << "nba serve exited before listening: " << log;
      }
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_NE(port_, 0) << "nba serve did not report its port";
    ASSERT_EQ(Call(port_, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").status, 200);
  }

  // Sends `sig` and reaps the process.
  void Stop(int sig) {
    if (pid_ <= 0) return;
    kill(pid_, sig);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    port_ = 0;
  }

  int port() const { return port_; }

 private:
  const TempDir& dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  int starts_ = 0;
};

}  // namespace nba::testing

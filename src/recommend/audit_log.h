// AuditLog: every recommendation served, one JSON line each, appended to a
// file for revenue reconciliation and A/B analysis.
//
// Durability trade-off: Append only queues the line in memory; a background
// thread writes and fdatasyncs the queue every flush_ms (100 ms) or as soon
// as flush_records lines wait. A request therefore never waits for a disk,
// and a crash (kill -9, power loss) can lose at most the last ~100 ms of
// audit lines. Events are different: an acknowledged event is synced before
// its answer and is never lost (see storage/event_log.h). Close() (graceful
// shutdown) writes everything queued.
//
// A failed write is retried on the next flush with the same lines; Health()
// reports the error meanwhile, and lines beyond max_pending_records are
// dropped (counted) rather than growing memory without bound.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"

namespace nba {

struct AuditLogOptions {
  std::string path;                 // appended to; created when missing
  int flush_ms = 100;
  size_t flush_records = 4096;
  size_t max_pending_records = 1 << 20;
};

class AuditLog {
 public:
  static Status Open(const AuditLogOptions& options, std::unique_ptr<AuditLog>* out);
  ~AuditLog();  // Close()

  // Queues `line` (one JSON document, no newline). Never blocks on I/O.
  void Append(std::string line);
  // Blocks until every line appended before the call is written and synced
  // (or a write failed). For tests and shutdown.
  Status Flush();
  // Writes what is queued and stops the thread; later appends are dropped.
  void Close();

  Status Health() const;
  uint64_t dropped() const;

 private:
  AuditLog(const AuditLogOptions& options, int fd);
  void Run();

  const AuditLogOptions options_;
  int fd_;
  mutable std::mutex mu_;
  std::condition_variable wake_, written_cv_;
  std::string pending_;
  size_t pending_records_ = 0;
  uint64_t appended_ = 0, written_ = 0, dropped_ = 0;
  uint64_t flush_target_ = 0;  // a Flush() waits for written_ to reach this
  bool closing_ = false;
  bool stopped_ = false;  // the thread has ended
  Status error_;
  std::thread thread_;
};

}  // namespace nba

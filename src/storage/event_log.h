// EventLog: the embedded, append-only log of `nba serve`. It stores opaque
// records (the server stores serialized events) durably in a directory of
// segment files (format in log_format.h) and replays them after a restart.
//
// Durability: Append returns Ok only after the records were written and
// fdatasync'ed, so an acknowledged record survives kill -9 and power loss.
//
// Group commit (leader/follower, as in LevelDB's DB::Write): each Append
// call queues itself; the caller at the head of the queue becomes the leader,
// takes every queued call (up to max_batch_bytes), and does one write() and
// one fdatasync() for all of them while newcomers queue for the next batch.
// A batch is never split across segments: a new segment is started before a
// batch that would push the current one past segment_bytes.
//
// Recovery (Open), precisely:
//  - every NNNNNNNN.log in the directory is a segment; numbers must be
//    contiguous and each header valid (magic, version, checksum), with
//    first sequence numbers increasing: otherwise Open returns Corruption;
//  - only the last segment is scanned record by record. Its first record
//    that is incomplete or fails its checksum, and every byte after it, are
//    the torn tail: the file is truncated there (and synced) and the cut is
//    reported in recovery(). A crash can only tear the unsynced last batch,
//    and a damaged byte there cannot be told apart from a torn write. The
//    price: a damaged byte earlier in the last segment also cuts the synced
//    records after it, so a non-zero bytes_cut deserves a loud log line;
//  - a last segment shorter than or equal to its header with an invalid
//    header is a segment whose creation was torn: it is removed and the
//    segment before it is scanned instead;
//  - older (sealed) segments are not read at Open. Replay (ReadAll) checks
//    every record of them and returns Corruption, naming the file and the
//    offset, at the first bad record or a record count that does not match
//    the next segment's first sequence: nothing is skipped silently.
//
// Failures: a failed write (e.g. ENOSPC, EFBIG) fails the whole batch with
// IOError; the segment is truncated back to its last durable byte (or the
// new segment removed), and later appends may succeed once the cause is gone. A failed fdatasync (the kernel
// may have dropped the dirty pages), or a failure to truncate back, puts
// the log in a failed state: every later Append returns that IOError and
// Health() reports it until the log is reopened (recovery then keeps exactly
// what is on disk).
//
// Thread safety: Append, ReadAll, Health and stats may be called from any
// thread concurrently. One process at a time may open a directory (flock on
// the file LOCK).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nba {

struct EventLogOptions {
  std::string dir;                       // created when missing (parent must exist)
  uint64_t segment_bytes = 64ull << 20;  // start a new segment beyond this size
  uint64_t max_batch_bytes = 4ull << 20; // most framed bytes one group commit gathers
};

// What Open found and repaired.
struct RecoveryReport {
  uint64_t segments = 0;    // segment files in use after recovery
  uint64_t next_seq = 1;    // sequence number the next record will get
  uint64_t bytes_cut = 0;   // torn-tail bytes removed (including removed torn segments)
  std::string detail;       // what was cut and why; empty when nothing was
};

struct EventLogStats {
  uint64_t records = 0;        // records in the log
  uint64_t bytes = 0;          // bytes of all segment files
  uint64_t segments = 0;
  uint64_t appends = 0;        // Append calls that wrote records, since Open
  uint64_t batches = 0;        // group commits (writes), since Open
  uint64_t failed_appends = 0; // Append calls that returned an IOError, since Open
  uint64_t fsyncs = 0;         // fdatasync calls on segments, since Open
  uint64_t fsync_nanos = 0;    // total time spent in them
};

class EventLog {
 public:
  // Opens (creating when empty) the log in options.dir and runs recovery.
  static Status Open(const EventLogOptions& options, std::unique_ptr<EventLog>* log);
  ~EventLog();  // Close()

  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends `records` (each at most 64 MiB) in order, contiguously numbered
  // from *first_seq, and returns once they are durable. On error nothing of
  // this call is acknowledged (after a crash some of it may still be found
  // on disk: delivery is at-least-once for failed calls).
  Status Append(std::span<const std::string_view> records, uint64_t* first_seq);

  // Calls fn(seq, record) for every durable record with seq >= from_seq, in
  // order, until fn returns false. The record view lives until fn returns.
  // Corruption when a stored record is damaged (see recovery rules above).
  Status ReadAll(uint64_t from_seq, const std::function<bool(uint64_t seq, std::string_view record)>& fn) const;

  // Ok while appends can succeed; the sticky error once the log failed or
  // was closed. For readiness probes.
  Status Health() const;
  bool Healthy() const { return Health().ok(); }

  const RecoveryReport& recovery() const { return recovery_; }
  EventLogStats stats() const;

  // Waits for in-flight appends, then closes the files; later appends fail
  // with Unavailable. Nothing is buffered: every acknowledged batch is synced.
  void Close();

 private:
  struct Writer;
  struct Segment {
    uint64_t number;
    uint64_t first_seq;
    uint64_t bytes;  // durable size
  };

  explicit EventLog(EventLogOptions options);
  Status Recover();
  Status RecoverLastSegment();
  Status CreateSegment(uint64_t number, uint64_t first_seq);
  // Leader only: writes and syncs one encoded batch, starting a new segment
  // first when needed. *fatal is set when the log must stop accepting writes.
  Status WriteBatch(const std::string& data, bool* fatal);
  Status Sync(const std::string& path, bool* fatal);  // fdatasync fd_, counted in stats
  std::string PathOf(uint64_t number) const;

  const EventLogOptions options_;
  RecoveryReport recovery_;
  int lock_fd_ = -1;

  // Owned by the current leader (or by Open/Close when no writer exists).
  int fd_ = -1;                 // the last segment, open for writing
  uint64_t write_offset_ = 0;   // its durable size
  std::string batch_;

  mutable std::mutex mu_;
  std::condition_variable drained_;    // signalled when writers_ empties
  std::deque<Writer*> writers_;
  std::vector<Segment> segments_;      // published, durable view for readers
  uint64_t next_seq_ = 1;
  Status error_;                       // sticky failure or "closed"
  EventLogStats stats_;
};

}  // namespace nba

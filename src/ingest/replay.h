// Reading the event log back: the erasure rule every reader follows, and the
// feature store's rebuild after a restart.
//
// Erasure (DELETE /v1/users/{id}) appends an erase record; it does not
// rewrite the log. The user's earlier event and profile records stay in
// their segment files until segments are compacted, but no reader returns
// them: ReadVisibleRecords, used by the rebuild and by anything that exports
// events (training data), skips every event or profile record of a user
// that an erase record with a higher sequence number follows. Records the
// user sends after the erasure are a new history and are kept.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "features/memory_feature_store.h"
#include "ingest/event_record.h"
#include "storage/event_log.h"

namespace nba {

// Calls fn(seq, record) for every visible record with seq >= from_seq, in
// log order, until fn returns false. Two passes over the log: the first
// finds each erased user's last erasure. Corruption names the sequence
// number of an undecodable record.
Status ReadVisibleRecords(const EventLog& log, uint64_t from_seq,
                          const std::function<bool(uint64_t seq, const LogRecord& record)>& fn);

// What a record does to the feature store.
void ApplyRecord(const LogRecord& record, FeatureStore* store);

// Writes the store atomically to `path` (temp file, fsync, rename, directory
// fsync), stamped with covered_seq.
Status WriteFeatureSnapshot(const MemoryFeatureStore& store, uint64_t covered_seq, const std::string& path);

struct RebuildReport {
  bool snapshot_loaded = false;  // false: no snapshot file, rebuilt from the whole log
  uint64_t snapshot_seq = 0;     // the snapshot's covered sequence number
  uint64_t replayed = 0;         // log records applied after it
};

// Restores the store after a restart: loads the snapshot at snapshot_path
// when it exists, then applies the visible log records after its sequence
// number. A damaged snapshot is an error, not silently ignored.
Status RebuildFeatures(const std::string& snapshot_path, const EventLog& log, MemoryFeatureStore* store,
                       RebuildReport* report);

}  // namespace nba

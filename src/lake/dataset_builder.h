// The training set of the distributed mode: `nba dataset build` turns the
// data lake into the TSV that `nba train --data` imports (header
// "user_id\titem_id\tts\tevent", ts in milliseconds since the epoch, UTC).
//
// Rules, in this order:
//   1. Duplicates: Kafka may hold an event twice (a producer retry). An event
//      whose (user_id, event_id) was already read is dropped; events with no
//      event_id are never taken for duplicates.
//   2. Erasure, as in the embedded log (src/ingest/replay.h): an erase record
//      hides every earlier record of its user; what the user sends after it
//      is a new history. "Earlier" is Kafka's order: a lower offset in the
//      same partition (the producer keys messages by user, so a user's
//      records share one partition); should they not, an earlier Kafka
//      message time. Erasures are read from the whole lake, so that one made
//      after the --to date still hides the events before it.
//   3. Each user's events sorted by time (ties keep the lake's order).
// Events whose user or item id holds a tab or a line break cannot be a TSV
// row: they are counted and left out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "core/status.h"
#include "data/dataset.h"

namespace nba {

struct DatasetBuildOptions {
  std::string lake_dir;
  // Events of the hour directories overlapping [from_ms, to_ms).
  int64_t from_ms = std::numeric_limits<int64_t>::min();
  int64_t to_ms = std::numeric_limits<int64_t>::max();
};

struct DatasetBuildReport {
  size_t files = 0;               // committed part files read
  size_t records = 0;             // records read (every kind, the whole lake)
  size_t events_in_range = 0;     // event records in the time range
  size_t duplicates_dropped = 0;  // repeats of an event_id
  size_t events_erased = 0;       // hidden by a later erasure of their user
  size_t bad_ids = 0;             // ids with a tab or a line break
  size_t events_written = 0;
  size_t users = 0;               // users with at least one event written
  size_t items = 0;               // items with at least one event written
  size_t erased_users = 0;        // users with an erase record anywhere in the lake
  int64_t first_ts_ms = 0;        // of the events written
  int64_t last_ts_ms = 0;
};

// Reads the lake into `out` (users in order of first appearance, items from
// 1). NotFound when the lake directory is missing; InvalidArgument naming
// the lake when no event is left; Corruption from the reader.
Status BuildDatasetFromLake(const DatasetBuildOptions& options, Dataset* out, DatasetBuildReport* report);

// BuildDatasetFromLake, then the dataset written to `out_path` as the
// shared TSV (gzip when the name ends in .gz).
Status BuildDatasetFile(const DatasetBuildOptions& options, const std::string& out_path,
                        DatasetBuildReport* report);

// The report as aligned "name  value" lines, ending with a newline.
std::string FormatDatasetBuildReport(const DatasetBuildReport& report);

}  // namespace nba

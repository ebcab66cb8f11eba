// Where things live in the data lake, and the names that say so. The lake is
// a directory tree any tool can list (Spark, DuckDB, `zstdcat`), partitioned
// by the UTC hour of each record's time:
//
//   <lake>/events/date=YYYY-MM-DD/hour=HH/part-<topic>-<partition>-<first_offset>-<last_offset>.jsonl.zst
//   <lake>/_checkpoints/<topic>-<partition>      text: the partition's next offset
//
// A part file holds the records of one Kafka partition that one batch wrote
// for one hour, in offset order; first/last are the offsets of its first and
// last record. A file is committed when its first offset is below its
// partition's checkpoint; anything else is the leftover of a batch that died
// before its checkpoint moved, and no reader looks at it. Names are parsed
// from the right, so a topic may contain '-'.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nba {

inline constexpr int64_t kLakeHourMs = 3600 * 1000;
inline constexpr std::string_view kLakeEventsDir = "events";
inline constexpr std::string_view kLakeCheckpointsDir = "_checkpoints";

// Record times the layout can name: 1970-01-01 up to the end of year 9999.
bool ValidLakeTime(int64_t ms);

// Start of the UTC hour that holds `ms` (a valid lake time).
inline int64_t LakeHourStart(int64_t ms) { return ms - ms % kLakeHourMs; }

// "date=2024-06-01/hour=07" for the hour that holds `ms`.
std::string LakeHourDir(int64_t ms);
// "date=2024-06-01" -> start of that day in ms; false when it is not one.
bool ParseLakeDateDir(std::string_view name, int64_t* day_start_ms);
// "hour=07" -> 7; false when it is not one.
bool ParseLakeHourDir(std::string_view name, int* hour);

// "2024-06-01" -> start of that UTC day in ms (the CLI's --from / --to).
bool ParseUtcDate(std::string_view date, int64_t* day_start_ms);
// "2024-06-01 07:05:09" (UTC) for reports.
std::string FormatUtcTime(int64_t ms);

// Kafka topic names: 1..249 characters of [A-Za-z0-9._-], not "." or "..".
bool ValidTopicName(std::string_view topic);

struct LakePartName {
  std::string topic;
  int32_t partition = 0;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
};

std::string FormatLakePartName(const LakePartName& name);
// False for anything that is not exactly a part file name (temp files included).
bool ParseLakePartName(std::string_view file_name, LakePartName* out);

// "<lake>/_checkpoints/<topic>-<partition>".
std::string LakeCheckpointPath(const std::string& lake_dir, std::string_view topic, int32_t partition);
// "<topic>-<partition>" -> both; false for anything else (temp files included).
bool ParseLakeCheckpointName(std::string_view file_name, std::string* topic, int32_t* partition);

// The next offset a checkpoint file holds; -1 when the file does not exist
// (nothing of the partition is committed). Corruption naming the file when
// its text is not an offset.
Status ReadLakeCheckpoint(const std::string& path, int64_t* next_offset);
// Replaces the checkpoint atomically and durably (temp, fsync, rename, directory fsync).
Status WriteLakeCheckpoint(const std::string& path, int64_t next_offset);

// Names of the entries of `dir`, sorted. IOError naming `dir`.
Status ListDirNames(const std::string& dir, std::vector<std::string>* names);

struct LakeHourPath {
  int64_t hour_start_ms = 0;
  std::string path;  // <lake>/events/date=.../hour=..
};
// Every date=/hour= directory of the lake, oldest first; entries with other
// names are not the lake's and are left alone. Empty when there is no
// events directory yet.
Status ListLakeHours(const std::string& lake_dir, std::vector<LakeHourPath>* out);

}  // namespace nba

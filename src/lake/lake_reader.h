// LakeReader: every committed record of a data lake (layout in
// lake_layout.h), in a fixed order: hour directory, then topic, partition
// and offset. Part files at or past their partition's checkpoint are a batch
// still being written, or one that crashed: they are not read. Checkpoints
// are read once, at Open, so a reader sees the lake as it was then even while
// consumers keep writing.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "lake/lake_record.h"

namespace nba {

struct LakeFile {
  std::string path;
  int64_t hour_start_ms = 0;  // the hour directory's start, UTC
  std::string topic;
  int32_t partition = 0;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
};

struct LakeReadOptions {
  // Hour directories that overlap [from_ms, to_ms) are read, whole: the
  // range selects directories, not single records.
  int64_t from_ms = std::numeric_limits<int64_t>::min();
  int64_t to_ms = std::numeric_limits<int64_t>::max();
};

class LakeReader {
 public:
  // Lists the committed part files. NotFound naming `dir` when it does not
  // exist; Corruption naming the file for a checkpoint that is not an
  // offset, or a part file that straddles its checkpoint.
  static Status Open(const std::string& dir, const LakeReadOptions& options, std::unique_ptr<LakeReader>* out);

  // Calls fn(file, entry) for every record of files(), in order, until fn
  // returns false. Corruption naming the file (and the line, counting from
  // 1) when a file is not zstd, a line is not a record of the schema, or a
  // record's partition or offset disagrees with its file's name.
  Status ForEach(const std::function<bool(const LakeFile& file, const LakeEntry& entry)>& fn) const;

  // The committed part files in reading order.
  const std::vector<LakeFile>& files() const { return files_; }

 private:
  explicit LakeReader(std::vector<LakeFile> files) : files_(std::move(files)) {}

  Status ReadFile(const LakeFile& file, const std::function<bool(const LakeFile&, const LakeEntry&)>& fn,
                  bool* stop) const;

  std::vector<LakeFile> files_;
};

}  // namespace nba

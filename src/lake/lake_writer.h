// LakeWriter: what `nba consume` uses to put Kafka records into the data lake
// (layout in lake_layout.h, line schema in lake_record.h) so that the lake
// holds every offset of a partition exactly once, through crashes and
// redeliveries:
//
//   - a batch's part files are written under temp names, fsynced, renamed
//     and their directories fsynced; only then does the partition's
//     checkpoint move past the batch (atomically, durably). A reader trusts
//     a file only below the checkpoint, so a batch is all there or absent;
//   - Recover deletes the files a crashed batch left past the checkpoint,
//     and WriteBatch skips offsets already below it (Kafka redelivers what
//     the consumer had not committed).
//
// Several consumer processes may share one lake directory (a shared volume),
// each owning different partitions: every file and checkpoint belongs to one
// partition, so no lock is taken and directories are never removed. One
// partition must have one writer at a time (Kafka's group assignment). A
// LakeWriter is not thread-safe: one caller at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "core/status.h"
#include "lake/lake_record.h"

namespace nba {

class LakeWriter {
 public:
  // Creates <dir>, <dir>/events and <dir>/_checkpoints when missing.
  // InvalidArgument for a topic Kafka would not accept; IOError naming the
  // directory that cannot be created.
  static Status Open(const std::string& dir, const std::string& topic, std::unique_ptr<LakeWriter>* out);

  // Call when the consumer is assigned `partition`: reads its checkpoint,
  // deletes the partition's part files at or past it (and its temp files),
  // and sets *next_offset to the checkpoint: the first offset the lake does
  // not hold, -1 when it holds nothing of the partition.
  Status Recover(int32_t partition, int64_t* next_offset);

  // Durably adds `entries` (all of `partition`, offsets strictly increasing)
  // and moves the checkpoint to the last offset + 1. Entries below the
  // checkpoint are skipped. One part file per UTC hour the entries fall in.
  // Recovers the partition first if Recover was not called for it.
  // InvalidArgument naming the offset for an entry the lake cannot store
  // (see EncodeLakeLine) or out of order, before anything is written;
  // IOError naming the file when a write fails (the checkpoint then stays,
  // and the batch may be retried).
  Status WriteBatch(int32_t partition, std::span<const LakeEntry> entries);

  const std::string& dir() const { return dir_; }
  const std::string& topic() const { return topic_; }

 private:
  LakeWriter(std::string dir, std::string topic) : dir_(std::move(dir)), topic_(std::move(topic)) {}

  std::string dir_;
  std::string topic_;
  std::map<int32_t, int64_t> next_offset_;  // per recovered partition; -1: nothing written
};

}  // namespace nba

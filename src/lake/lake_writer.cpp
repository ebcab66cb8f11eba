#include "lake/lake_writer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "lake/lake_layout.h"
#include "lake/zstd_frame.h"
#include "registry/file_util.h"

namespace nba {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kTempMarker = ".tmp-";  // WriteFileAtomic's temp names: <path>.tmp-XXXXXX

// Creates `path` and its missing parents; each creation is made durable by
// an fsync of the directory that gained the entry. Safe against another
// process creating the same directory at the same time.
Status CreateDirDurably(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Status::Ok();
  const std::string parent = ParentDir(path);
  if (parent != path) NBA_RETURN_IF_ERROR(CreateDirDurably(parent));
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::IOError(path + ": cannot create directory: " + std::strerror(errno));
  }
  return SyncPath(parent);
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::IOError(path + ": cannot delete: " + std::strerror(errno));
  }
  return Status::Ok();
}

// The part file a name stands for, seeing through a temp suffix.
bool ParsePartOrTempName(std::string_view name, LakePartName* part) {
  const size_t tmp = name.find(kTempMarker);
  return ParseLakePartName(tmp == std::string_view::npos ? name : name.substr(0, tmp), part);
}

// Entries of one batch that fall in one hour: one part file.
struct HourFile {
  std::string lines;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
};

}  // namespace

Status LakeWriter::Open(const std::string& dir, const std::string& topic, std::unique_ptr<LakeWriter>* out) {
  if (!ValidTopicName(topic)) {
    return Status::InvalidArgument("lake topic '" + topic + "': not a Kafka topic name ([A-Za-z0-9._-], 1..249)");
  }
  std::string root = dir;
  while (root.size() > 1 && root.ends_with('/')) root.pop_back();
  if (root.empty()) return Status::InvalidArgument("lake directory: empty path");
  NBA_RETURN_IF_ERROR(CreateDirDurably(root + "/" + std::string(kLakeEventsDir)));
  NBA_RETURN_IF_ERROR(CreateDirDurably(root + "/" + std::string(kLakeCheckpointsDir)));
  out->reset(new LakeWriter(std::move(root), topic));
  return Status::Ok();
}

Status LakeWriter::Recover(int32_t partition, int64_t* next_offset) {
  const std::string checkpoint = LakeCheckpointPath(dir_, topic_, partition);
  int64_t next;
  NBA_RETURN_IF_ERROR(ReadLakeCheckpoint(checkpoint, &next));

  // A temp checkpoint is a rename that never happened: the old checkpoint stands.
  const std::string ckpt_dir = ParentDir(checkpoint);
  std::vector<std::string> names;
  NBA_RETURN_IF_ERROR(ListDirNames(ckpt_dir, &names));
  for (const std::string& name : names) {
    const size_t tmp = name.find(kTempMarker);
    std::string ckpt_topic;
    int32_t ckpt_partition;
    if (tmp != std::string::npos && ParseLakeCheckpointName(name.substr(0, tmp), &ckpt_topic, &ckpt_partition) &&
        ckpt_topic == topic_ && ckpt_partition == partition) {
      NBA_RETURN_IF_ERROR(RemoveFile(ckpt_dir + "/" + name));
    }
  }

  // Every part file of the partition at or past the checkpoint, and every
  // temp file, is the leftover of a batch that never committed.
  std::vector<LakeHourPath> hours;
  NBA_RETURN_IF_ERROR(ListLakeHours(dir_, &hours));
  for (const LakeHourPath& hour : hours) {
    NBA_RETURN_IF_ERROR(ListDirNames(hour.path, &names));
    bool removed = false;
    for (const std::string& name : names) {
      LakePartName part;
      if (!ParsePartOrTempName(name, &part) || part.topic != topic_ || part.partition != partition) continue;
      if (part.first_offset < next && name.find(kTempMarker) == std::string::npos) continue;
      NBA_RETURN_IF_ERROR(RemoveFile(hour.path + "/" + name));
      removed = true;
    }
    // Durable before new files of the same names can be committed.
    if (removed) NBA_RETURN_IF_ERROR(SyncPath(hour.path));
  }

  next_offset_[partition] = next;
  *next_offset = next;
  return Status::Ok();
}

Status LakeWriter::WriteBatch(int32_t partition, std::span<const LakeEntry> entries) {
  if (!next_offset_.contains(partition)) {
    int64_t unused;
    NBA_RETURN_IF_ERROR(Recover(partition, &unused));
  }
  const int64_t next = next_offset_[partition];
  const std::string where = "lake batch of " + topic_ + "-" + std::to_string(partition);

  std::map<int64_t, HourFile> hours;  // by hour start
  int64_t previous = -1;
  std::string line;
  for (const LakeEntry& e : entries) {
    const std::string at = where + ", offset " + std::to_string(e.offset);
    if (e.partition != partition) {
      return Status::InvalidArgument(at + ": entry is of partition " + std::to_string(e.partition));
    }
    if (e.offset < 0 || e.offset <= previous) {
      return Status::InvalidArgument(at + ": offsets must be non-negative and increasing");
    }
    previous = e.offset;
    if (e.offset < next) continue;  // already in the lake: a redelivery
    line.clear();
    Status s = EncodeLakeLine(e, &line);
    if (!s.ok()) return Status::InvalidArgument(at + ": " + s.message());
    HourFile& file = hours[LakeHourStart(LakeRecordTime(e))];
    file.lines += line;
    file.lines += '\n';
    if (file.first_offset < 0) file.first_offset = e.offset;
    file.last_offset = e.offset;
  }
  if (hours.empty()) return Status::Ok();

  // After a failed write the files on disk are unknown: the next batch
  // recovers first, so a retry with other offsets leaves no leftovers behind.
  auto fail = [&](Status s) {
    next_offset_.erase(partition);
    return s;
  };
  for (const auto& [hour_start, file] : hours) {
    const std::string dir = dir_ + "/" + std::string(kLakeEventsDir) + "/" + LakeHourDir(hour_start);
    Status s = CreateDirDurably(dir);
    if (s.ok()) {
      const std::string path =
          dir + "/" + FormatLakePartName({topic_, partition, file.first_offset, file.last_offset});
      s = WriteFileAtomic(path, ZstdCompress(file.lines));
    }
    if (!s.ok()) return fail(s);
  }
  const int64_t new_next = previous + 1;
  Status s = WriteLakeCheckpoint(LakeCheckpointPath(dir_, topic_, partition), new_next);
  if (!s.ok()) return fail(s);
  next_offset_[partition] = new_next;
  return Status::Ok();
}

}  // namespace nba

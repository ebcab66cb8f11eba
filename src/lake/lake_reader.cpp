#include "lake/lake_reader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>
#include <utility>

#include "lake/lake_layout.h"
#include "lake/zstd_frame.h"
#include "registry/file_util.h"

namespace nba {

namespace {

using Checkpoints = std::map<std::pair<std::string, int32_t>, int64_t>;  // (topic, partition) -> next offset

Status ReadCheckpoints(const std::string& lake_dir, Checkpoints* out) {
  const std::string dir = lake_dir + "/" + std::string(kLakeCheckpointsDir);
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return Status::Ok();
  std::vector<std::string> names;
  NBA_RETURN_IF_ERROR(ListDirNames(dir, &names));
  for (const std::string& name : names) {
    std::string topic;
    int32_t partition;
    if (!ParseLakeCheckpointName(name, &topic, &partition)) continue;  // temp files among them
    int64_t next;
    NBA_RETURN_IF_ERROR(ReadLakeCheckpoint(dir + "/" + name, &next));
    (*out)[{topic, partition}] = next;
  }
  return Status::Ok();
}

bool OverlapsRange(int64_t hour_start, const LakeReadOptions& options) {
  return hour_start < options.to_ms && hour_start + kLakeHourMs > options.from_ms;
}

}  // namespace

Status LakeReader::Open(const std::string& dir, const LakeReadOptions& options, std::unique_ptr<LakeReader>* out) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return Status::NotFound(dir + ": no such lake directory");
  Checkpoints checkpoints;
  NBA_RETURN_IF_ERROR(ReadCheckpoints(dir, &checkpoints));
  std::vector<LakeHourPath> hours;
  NBA_RETURN_IF_ERROR(ListLakeHours(dir, &hours));

  std::vector<LakeFile> files;
  std::vector<std::string> names;
  for (const LakeHourPath& hour : hours) {
    if (!OverlapsRange(hour.hour_start_ms, options)) continue;
    NBA_RETURN_IF_ERROR(ListDirNames(hour.path, &names));
    for (const std::string& name : names) {
      LakePartName part;
      if (!ParseLakePartName(name, &part)) continue;  // temp files, foreign files
      auto it = checkpoints.find({part.topic, part.partition});
      const int64_t next = it == checkpoints.end() ? -1 : it->second;
      if (part.first_offset >= next) continue;  // not committed
      const std::string path = hour.path + "/" + name;
      if (part.last_offset >= next) {
        return Status::Corruption(path + ": holds offsets past its partition's checkpoint " +
                                  std::to_string(next));
      }
      files.push_back({path, hour.hour_start_ms, part.topic, part.partition, part.first_offset, part.last_offset});
    }
  }
  std::sort(files.begin(), files.end(), [](const LakeFile& a, const LakeFile& b) {
    return std::tie(a.hour_start_ms, a.topic, a.partition, a.first_offset) <
           std::tie(b.hour_start_ms, b.topic, b.partition, b.first_offset);
  });
  out->reset(new LakeReader(std::move(files)));
  return Status::Ok();
}

Status LakeReader::ForEach(const std::function<bool(const LakeFile& file, const LakeEntry& entry)>& fn) const {
  bool stop = false;
  for (const LakeFile& file : files_) {
    NBA_RETURN_IF_ERROR(ReadFile(file, fn, &stop));
    if (stop) break;
  }
  return Status::Ok();
}

Status LakeReader::ReadFile(const LakeFile& file, const std::function<bool(const LakeFile&, const LakeEntry&)>& fn,
                            bool* stop) const {
  std::string compressed, text;
  NBA_RETURN_IF_ERROR(ReadFileToString(file.path, &compressed));
  NBA_RETURN_IF_ERROR(ZstdDecompress(compressed, file.path, &text));
  if (text.empty()) return Status::Corruption(file.path + ": no records");
  LakeEntry entry;
  int64_t previous = -1;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::string at = file.path + ":" + std::to_string(line_no) + ": ";
    Status s = DecodeLakeLine(line, &entry);
    if (!s.ok()) return Status::Corruption(at + s.message());
    if (entry.partition != file.partition) {
      return Status::Corruption(at + "record of partition " + std::to_string(entry.partition) +
                                " in a file of partition " + std::to_string(file.partition));
    }
    if (entry.offset < file.first_offset || entry.offset > file.last_offset || entry.offset <= previous) {
      return Status::Corruption(at + "offset " + std::to_string(entry.offset) + " is out of order or outside " +
                                std::to_string(file.first_offset) + ".." + std::to_string(file.last_offset));
    }
    previous = entry.offset;
    if (!fn(file, entry)) {
      *stop = true;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

}  // namespace nba

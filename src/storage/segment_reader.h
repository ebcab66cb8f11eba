// SegmentReader: reads the records of one segment file in order, checking
// every checksum. Used by recovery (to find the torn tail) and by replay.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "storage/log_format.h"

namespace nba {

class SegmentReader {
 public:
  // Opens `path` and checks its header; reads no byte at or past `limit`
  // (pass UINT64_MAX for the whole file). Corruption when the header is bad.
  static Status Open(const std::string& path, uint64_t limit, std::unique_ptr<SegmentReader>* reader);
  ~SegmentReader();

  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;

  const log_format::SegmentHeader& header() const { return header_; }

  // Sets *record to the next payload (valid until the next call) and returns
  // true. Returns false when no further valid record exists: status() is Ok
  // at a clean end (offset() == end()), Corruption naming the offset when
  // the bytes at offset() are not a complete record with a valid checksum,
  // IOError when reading failed.
  bool Next(std::string_view* record);

  // Byte just past the last good record.
  uint64_t offset() const { return offset_; }
  // min(file size, limit): where reading stops.
  uint64_t end() const { return end_; }
  const Status& status() const { return status_; }

 private:
  SegmentReader(std::string path, int fd, uint64_t end);
  // Makes buf_ hold at least `n` bytes starting at offset_; false when the file ends first.
  bool Fill(size_t n);

  std::string path_;
  int fd_;
  uint64_t end_;
  uint64_t offset_ = 0;
  log_format::SegmentHeader header_;
  std::string buf_;     // bytes of the file from buf_offset_
  uint64_t buf_offset_ = 0;
  Status status_;
};

}  // namespace nba

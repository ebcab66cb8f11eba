#include "storage/segment_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "storage/posix_io.h"

namespace nba {
namespace {
constexpr size_t kReadChunk = 1 << 20;
}

Status SegmentReader::Open(const std::string& path, uint64_t limit, std::unique_ptr<SegmentReader>* reader) {
  uint64_t size = 0;
  NBA_RETURN_IF_ERROR(posix_io::FileSize(path, &size));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return posix_io::ErrnoError(path, "open", errno);
  std::unique_ptr<SegmentReader> r(new SegmentReader(path, fd, std::min(size, limit)));
  if (!r->Fill(log_format::kHeaderSize)) {
    if (!r->status_.ok()) return r->status_;
    return Status::Corruption(path + ": file is " + std::to_string(r->end_) + " bytes, shorter than the " +
                              std::to_string(log_format::kHeaderSize) + "-byte segment header");
  }
  NBA_RETURN_IF_ERROR(log_format::DecodeHeader(std::string_view(r->buf_).substr(0, log_format::kHeaderSize), path,
                                               &r->header_));
  r->offset_ = log_format::kHeaderSize;
  *reader = std::move(r);
  return Status::Ok();
}

SegmentReader::SegmentReader(std::string path, int fd, uint64_t end) : path_(std::move(path)), fd_(fd), end_(end) {}

SegmentReader::~SegmentReader() { ::close(fd_); }

bool SegmentReader::Fill(size_t n) {
  if (offset_ + n > end_) return false;
  uint64_t have_from = offset_ - buf_offset_;
  if (have_from + n <= buf_.size()) return true;
  buf_.erase(0, have_from);
  buf_offset_ = offset_;
  size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n, kReadChunk), end_ - buf_offset_));
  size_t old = buf_.size();
  buf_.resize(want);
  size_t got = 0;
  status_ = posix_io::ReadAt(fd_, path_, buf_offset_ + old, want - old, buf_.data() + old, &got);
  buf_.resize(old + got);
  return status_.ok() && buf_.size() >= n;
}

bool SegmentReader::Next(std::string_view* record) {
  if (!status_.ok() || offset_ == end_) return false;
  auto bad = [&](const std::string& why) {
    status_ = Status::Corruption(path_ + ": record at offset " + std::to_string(offset_) + ": " + why);
    return false;
  };
  if (!Fill(log_format::kRecordHeaderSize)) {
    return status_.ok() ? bad("frame header cut short at end of file") : false;
  }
  std::string_view at = std::string_view(buf_).substr(offset_ - buf_offset_);
  uint32_t length = log_format::DecodeLength(at);
  if (length > log_format::kMaxRecordBytes) return bad("length " + std::to_string(length) + " exceeds the maximum");
  size_t framed = log_format::kRecordHeaderSize + length;
  if (!Fill(framed)) {
    return status_.ok() ? bad("length " + std::to_string(length) + " runs past end of file") : false;
  }
  at = std::string_view(buf_).substr(offset_ - buf_offset_, framed);
  if (!log_format::ChecksumMatches(at)) return bad("checksum mismatch");
  *record = at.substr(log_format::kRecordHeaderSize);
  offset_ += framed;
  return true;
}

}  // namespace nba

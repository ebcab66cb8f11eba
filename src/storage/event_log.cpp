#include "storage/event_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>

#include "storage/log_format.h"
#include "storage/posix_io.h"
#include "storage/segment_reader.h"

namespace nba {

// One Append call waiting in the queue; lives on the caller's stack.
struct EventLog::Writer {
  explicit Writer(std::span<const std::string_view> r) : records(r) {
    for (std::string_view record : records) framed_bytes += log_format::FramedSize(record);
  }
  std::span<const std::string_view> records;
  uint64_t framed_bytes = 0;
  uint64_t first_seq = 0;
  Status status;
  bool done = false;
  std::condition_variable cv;
};

Status EventLog::Open(const EventLogOptions& options, std::unique_ptr<EventLog>* log) {
  if (options.dir.empty()) return Status::InvalidArgument("event log: options.dir is empty");
  if (options.segment_bytes == 0 || options.max_batch_bytes == 0) {
    return Status::InvalidArgument("event log: segment_bytes and max_batch_bytes must be positive");
  }
  std::unique_ptr<EventLog> l(new EventLog(options));
  NBA_RETURN_IF_ERROR(l->Recover());
  *log = std::move(l);
  return Status::Ok();
}

EventLog::EventLog(EventLogOptions options) : options_(std::move(options)) {}

EventLog::~EventLog() { Close(); }

std::string EventLog::PathOf(uint64_t number) const {
  return options_.dir + "/" + log_format::SegmentFileName(number);
}

Status EventLog::Recover() {
  const std::string& dir = options_.dir;
  if (::mkdir(dir.c_str(), 0755) == 0) {
    std::string parent = std::filesystem::path(dir).parent_path().string();
    NBA_RETURN_IF_ERROR(posix_io::SyncDir(parent.empty() ? "." : parent));
  } else if (errno != EEXIST) {
    return posix_io::ErrnoError(dir, "create directory", errno);
  }
  std::string lock_path = dir + "/LOCK";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return posix_io::ErrnoError(lock_path, "open", errno);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Status::IOError(lock_path + ": event log is open in another process");
    return posix_io::ErrnoError(lock_path, "flock", errno);
  }

  std::vector<uint64_t> numbers;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return posix_io::ErrnoError(dir, "list directory", errno);
  while (dirent* e = ::readdir(d)) {
    if (auto n = log_format::ParseSegmentFileName(e->d_name)) numbers.push_back(*n);
  }
  ::closedir(d);
  std::sort(numbers.begin(), numbers.end());

  for (size_t i = 0; i < numbers.size(); ++i) {
    if (i > 0 && numbers[i] != numbers[i - 1] + 1) {
      return Status::Corruption(dir + ": segment " + log_format::SegmentFileName(numbers[i - 1] + 1) +
                                " is missing before " + log_format::SegmentFileName(numbers[i]));
    }
    Segment seg{numbers[i], 0, 0};
    if (i + 1 < numbers.size()) {  // sealed: header only; the last one is checked by RecoverLastSegment
      std::string path = PathOf(seg.number);
      std::unique_ptr<SegmentReader> reader;
      NBA_RETURN_IF_ERROR(SegmentReader::Open(path, log_format::kHeaderSize, &reader));
      seg.first_seq = reader->header().first_seq;
      NBA_RETURN_IF_ERROR(posix_io::FileSize(path, &seg.bytes));
      if (i > 0 && seg.first_seq <= segments_.back().first_seq) {
        return Status::Corruption(path + ": first sequence " + std::to_string(seg.first_seq) +
                                  " does not follow the previous segment's " +
                                  std::to_string(segments_.back().first_seq));
      }
    }
    segments_.push_back(seg);
  }
  if (segments_.empty()) {
    NBA_RETURN_IF_ERROR(CreateSegment(1, 1));
  } else {
    NBA_RETURN_IF_ERROR(RecoverLastSegment());
  }
  recovery_.segments = segments_.size();
  recovery_.next_seq = next_seq_;
  return Status::Ok();
}

Status EventLog::RecoverLastSegment() {
  std::unique_ptr<SegmentReader> reader;
  for (;;) {
    Segment& last = segments_.back();
    std::string path = PathOf(last.number);
    uint64_t size = 0;
    NBA_RETURN_IF_ERROR(posix_io::FileSize(path, &size));
    Status s = SegmentReader::Open(path, UINT64_MAX, &reader);
    if (s.ok()) break;
    bool torn_creation = s.code() == Status::Code::kCorruption && size <= log_format::kHeaderSize;
    if (!torn_creation || (segments_.size() == 1 && last.number != 1)) return s;
    // The crash hit while the segment was being created: nothing in it was ever acknowledged.
    if (::unlink(path.c_str()) != 0) return posix_io::ErrnoError(path, "remove torn segment", errno);
    NBA_RETURN_IF_ERROR(posix_io::SyncDir(options_.dir));
    recovery_.bytes_cut += size;
    recovery_.detail += s.message() + "; removed the segment. ";
    segments_.pop_back();
    if (segments_.empty()) return CreateSegment(1, 1);
  }

  Segment& last = segments_.back();
  std::string path = PathOf(last.number);
  last.first_seq = reader->header().first_seq;
  if (segments_.size() > 1 && last.first_seq <= segments_[segments_.size() - 2].first_seq) {
    return Status::Corruption(path + ": first sequence " + std::to_string(last.first_seq) +
                              " does not follow the previous segment's");
  }
  uint64_t count = 0;
  std::string_view record;
  while (reader->Next(&record)) ++count;
  if (reader->status().code() == Status::Code::kIOError) return reader->status();

  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return posix_io::ErrnoError(path, "open for append", errno);
  fd_ = fd;
  if (!reader->status().ok()) {
    uint64_t cut = reader->end() - reader->offset();
    if (::ftruncate(fd_, static_cast<off_t>(reader->offset())) != 0) {
      return posix_io::ErrnoError(path, "truncate torn tail", errno);
    }
    NBA_RETURN_IF_ERROR(posix_io::SyncData(fd_, path));
    recovery_.bytes_cut += cut;
    recovery_.detail += reader->status().message() + "; cut " + std::to_string(cut) + " bytes. ";
  }
  last.bytes = write_offset_ = reader->offset();
  next_seq_ = last.first_seq + count;
  return Status::Ok();
}

Status EventLog::CreateSegment(uint64_t number, uint64_t first_seq) {
  std::string path = PathOf(number);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return posix_io::ErrnoError(path, "create segment", errno);
  Status s = posix_io::WriteAt(fd, path, log_format::EncodeHeader({first_seq}), 0);
  if (s.ok()) s = posix_io::SyncData(fd, path);
  if (s.ok()) s = posix_io::SyncDir(options_.dir);
  if (!s.ok()) {
    // Undo, so the next segment is never used without a durable directory entry.
    ::close(fd);
    ::unlink(path.c_str());
    return s;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  write_offset_ = log_format::kHeaderSize;
  std::lock_guard<std::mutex> lock(mu_);
  segments_.push_back({number, first_seq, write_offset_});
  return Status::Ok();
}

Status EventLog::Sync(const std::string& path, bool* fatal) {
  auto start = std::chrono::steady_clock::now();
  Status s = posix_io::SyncData(fd_, path);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.fsyncs;
  stats_.fsync_nanos += static_cast<uint64_t>(nanos.count());
  if (!s.ok()) *fatal = true;
  return s;
}

Status EventLog::WriteBatch(const std::string& data, bool* fatal) {
  uint64_t number;
  uint64_t first_seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    number = segments_.back().number;
    first_seq = next_seq_;
  }
  if (write_offset_ > log_format::kHeaderSize && write_offset_ + data.size() > options_.segment_bytes) {
    NBA_RETURN_IF_ERROR(CreateSegment(++number, first_seq));
  }
  std::string path = PathOf(number);
  Status s = posix_io::WriteAt(fd_, path, data, write_offset_);
  if (!s.ok()) {
    // Cut the partial batch so no unacknowledged record can surface later.
    if (::ftruncate(fd_, static_cast<off_t>(write_offset_)) != 0) {
      *fatal = true;
      return Status::IOError(s.message() + "; then truncating back failed: " +
                             posix_io::ErrnoError(path, "ftruncate", errno).message());
    }
    Status sync = Sync(path, fatal);
    return sync.ok() ? s : Status::IOError(s.message() + "; then " + sync.message());
  }
  NBA_RETURN_IF_ERROR(Sync(path, fatal));
  write_offset_ += data.size();
  return Status::Ok();
}

Status EventLog::Append(std::span<const std::string_view> records, uint64_t* first_seq) {
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].size() > log_format::kMaxRecordBytes) {
      return Status::InvalidArgument("event log: record " + std::to_string(i) + " is " +
                                     std::to_string(records[i].size()) + " bytes, more than the maximum of " +
                                     std::to_string(log_format::kMaxRecordBytes));
    }
  }
  Writer w(records);
  std::unique_lock<std::mutex> lock(mu_);
  if (!error_.ok()) {
    ++stats_.failed_appends;
    return error_;
  }
  if (records.empty()) {
    *first_seq = next_seq_;
    return Status::Ok();
  }
  writers_.push_back(&w);
  w.cv.wait(lock, [&] { return w.done || &w == writers_.front(); });
  if (!w.done) {  // leader: commit every queued call that fits in one batch
    std::vector<Writer*> group;
    uint64_t bytes = 0;
    uint64_t seq = next_seq_;
    for (Writer* x : writers_) {
      if (!group.empty() && bytes + x->framed_bytes > options_.max_batch_bytes) break;
      group.push_back(x);
      bytes += x->framed_bytes;
      x->first_seq = seq;
      seq += x->records.size();
    }
    Status s = error_;
    if (s.ok()) {
      lock.unlock();
      batch_.clear();
      batch_.reserve(bytes);
      for (Writer* x : group) {
        for (std::string_view record : x->records) log_format::AppendRecord(record, &batch_);
      }
      bool fatal = false;
      s = WriteBatch(batch_, &fatal);
      lock.lock();
      if (s.ok()) {
        next_seq_ = seq;
        segments_.back().bytes = write_offset_;
        ++stats_.batches;
        stats_.appends += group.size();
      } else if (fatal) {
        error_ = s;
      }
    }
    if (!s.ok()) stats_.failed_appends += group.size();
    for (Writer* x : group) {
      writers_.pop_front();
      x->status = s;
      x->done = true;
      if (x != &w) x->cv.notify_one();
    }
    if (!writers_.empty()) {
      writers_.front()->cv.notify_one();
    } else {
      drained_.notify_all();
    }
  }
  if (w.status.ok()) *first_seq = w.first_seq;
  return w.status;
}

Status EventLog::ReadAll(uint64_t from_seq,
                         const std::function<bool(uint64_t seq, std::string_view record)>& fn) const {
  std::vector<Segment> segments;
  {
    std::lock_guard<std::mutex> lock(mu_);
    segments = segments_;
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    bool last = i + 1 == segments.size();
    if (!last && segments[i + 1].first_seq <= from_seq) continue;
    std::string path = PathOf(segments[i].number);
    std::unique_ptr<SegmentReader> reader;
    NBA_RETURN_IF_ERROR(SegmentReader::Open(path, last ? segments[i].bytes : UINT64_MAX, &reader));
    if (reader->header().first_seq != segments[i].first_seq) {
      return Status::Corruption(path + ": header changed since the log was opened");
    }
    uint64_t seq = segments[i].first_seq;
    std::string_view record;
    while (reader->Next(&record)) {
      if (seq >= from_seq && !fn(seq, record)) return Status::Ok();
      ++seq;
    }
    NBA_RETURN_IF_ERROR(reader->status());
    if (!last && seq != segments[i + 1].first_seq) {
      return Status::Corruption(path + ": ends at sequence " + std::to_string(seq) +
                                " but the next segment starts at " + std::to_string(segments[i + 1].first_seq));
    }
  }
  return Status::Ok();
}

Status EventLog::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

EventLogStats EventLog::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  EventLogStats s = stats_;
  s.segments = segments_.size();
  s.records = segments_.empty() ? 0 : next_seq_ - segments_.front().first_seq;
  for (const Segment& seg : segments_) s.bytes += seg.bytes;
  return s;
}

void EventLog::Close() {
  std::unique_lock<std::mutex> lock(mu_);
  if (error_.ok()) error_ = Status::Unavailable(options_.dir + ": event log is closed");
  drained_.wait(lock, [&] { return writers_.empty(); });
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
  fd_ = lock_fd_ = -1;
}

}  // namespace nba

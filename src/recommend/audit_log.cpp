#include "recommend/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace nba {
namespace {

Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(path + ": write: " + std::strerror(errno));
    off += static_cast<size_t>(n);
  }
  if (::fdatasync(fd) != 0) return Status::IOError(path + ": fdatasync: " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

Status AuditLog::Open(const AuditLogOptions& options, std::unique_ptr<AuditLog>* out) {
  int fd = ::open(options.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(options.path + ": open: " + std::strerror(errno));
  out->reset(new AuditLog(options, fd));
  return Status::Ok();
}

AuditLog::AuditLog(const AuditLogOptions& options, int fd) : options_(options), fd_(fd) {
  thread_ = std::thread([this] { Run(); });
}

AuditLog::~AuditLog() { Close(); }

void AuditLog::Append(std::string line) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closing_ || pending_records_ >= options_.max_pending_records) {
    ++dropped_;
    return;
  }
  pending_ += line;
  pending_ += '\n';
  ++pending_records_;
  ++appended_;
  if (pending_records_ >= options_.flush_records) wake_.notify_one();
}

Status AuditLog::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = appended_;
  flush_target_ = std::max(flush_target_, target);
  wake_.notify_one();
  written_cv_.wait(lock, [&] { return written_ >= target || !error_.ok() || stopped_; });
  return written_ >= target ? Status::Ok() : error_;
}

void AuditLog::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait_for(lock, std::chrono::milliseconds(options_.flush_ms), [&] {
      return closing_ || pending_records_ >= options_.flush_records || flush_target_ > written_;
    });
    if (pending_records_ > 0) {
      std::string batch;
      batch.swap(pending_);
      const size_t records = pending_records_;
      pending_records_ = 0;
      lock.unlock();
      Status s = WriteAll(fd_, batch, options_.path);
      lock.lock();
      if (s.ok()) {
        written_ += records;
      } else {
        pending_.insert(0, batch);  // retried with the next flush, in order
        pending_records_ += records;
      }
      error_ = s;
      written_cv_.notify_all();
    }
    if (closing_ && (pending_records_ == 0 || !error_.ok())) break;
  }
}

void AuditLog::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return;
    closing_ = true;
    wake_.notify_one();
  }
  thread_.join();
  ::close(fd_);
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  written_cv_.notify_all();
}

Status AuditLog::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

uint64_t AuditLog::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace nba

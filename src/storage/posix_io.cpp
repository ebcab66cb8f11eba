#include "storage/posix_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nba::posix_io {

Status ErrnoError(const std::string& path, const char* op, int err) {
  return Status::IOError(path + ": " + op + ": " + std::strerror(err));
}

Status WriteAt(int fd, const std::string& path, std::string_view data, uint64_t offset) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(path, "write", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status ReadAt(int fd, const std::string& path, uint64_t offset, size_t n, char* dst, size_t* read) {
  *read = 0;
  while (*read < n) {
    ssize_t got = ::pread(fd, dst + *read, n - *read, static_cast<off_t>(offset + *read));
    if (got < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(path, "read", errno);
    }
    if (got == 0) break;
    *read += static_cast<size_t>(got);
  }
  return Status::Ok();
}

Status SyncData(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return ErrnoError(path, "fdatasync", errno);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(dir, "open directory", errno);
  Status s;
  if (::fsync(fd) != 0) s = ErrnoError(dir, "fsync directory", errno);
  ::close(fd);
  return s;
}

Status FileSize(const std::string& path, uint64_t* size) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError(path, "stat", errno);
  if (!S_ISREG(st.st_mode)) return Status::IOError(path + ": not a regular file");
  *size = static_cast<uint64_t>(st.st_size);
  return Status::Ok();
}

}  // namespace nba::posix_io

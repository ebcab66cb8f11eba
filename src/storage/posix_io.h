// Thin POSIX file helpers for the event log: full reads/writes that retry
// on EINTR and short counts, and syncs. Every error is an IOError naming the
// path and the errno text ("00000003.log: write: No space left on device").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nba::posix_io {

Status ErrnoError(const std::string& path, const char* op, int err);

// Writes all of `data` at `offset`.
Status WriteAt(int fd, const std::string& path, std::string_view data, uint64_t offset);
// Reads up to `n` bytes at `offset` into `dst`; fewer only at end of file.
Status ReadAt(int fd, const std::string& path, uint64_t offset, size_t n, char* dst, size_t* read);
Status SyncData(int fd, const std::string& path);
// Makes the creation or removal of entries in `dir` durable.
Status SyncDir(const std::string& dir);
Status FileSize(const std::string& path, uint64_t* size);

}  // namespace nba::posix_io

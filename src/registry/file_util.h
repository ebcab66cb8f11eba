// Small POSIX file helpers for the registry: whole-file reads, crash-safe
// writes (temp file + fsync + rename), and directory syncs, so a reader never
// sees a half-written file and a completed write survives power loss.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace nba {

// NotFound when `path` does not exist, IOError on any other failure.
Status ReadFileToString(const std::string& path, std::string* out);

// Replaces `path` with `contents` atomically: readers see the old file or the
// new one, never a mix, and the new one is on disk when this returns Ok.
Status WriteFileAtomic(const std::string& path, std::string_view contents);

// fsync of an existing file or directory (a directory sync makes the
// creations and renames inside it durable).
Status SyncPath(const std::string& path);

// Directory that holds `path` ("." for a bare file name).
std::string ParentDir(const std::string& path);

}  // namespace nba

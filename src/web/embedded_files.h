// The demo shop's static files (the repository's web/ folder), compiled into
// the binary so `nba serve` and `nba demo` need no files next to them. The
// definition is generated at build time by cmake/EmbedFiles.cmake.
#pragma once

#include <span>
#include <string_view>

namespace nba {

struct EmbeddedFile {
  std::string_view path;  // relative to web/, '/'-separated: "sdk/index.js"
  std::string_view data;  // the file's bytes
};

// Every file under web/, sorted by path.
std::span<const EmbeddedFile> EmbeddedWebFiles();

}  // namespace nba

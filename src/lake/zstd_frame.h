// Whole-buffer zstd compression for the lake's part files: one frame per
// file, small enough (one batch, one hour, one partition) to hold in memory.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace nba {

// One zstd frame of `data` at `level` (3: zstd's default, fast enough for the
// consumer's batches).
std::string ZstdCompress(std::string_view data, int level = 3);

// Every frame of `data`, concatenated. Corruption naming `name` when the
// bytes are not zstd or end inside a frame.
Status ZstdDecompress(std::string_view data, const std::string& name, std::string* out);

}  // namespace nba

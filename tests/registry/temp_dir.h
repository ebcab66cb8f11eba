// The shared TempDir, plus the `dir / "name"` spelling the registry,
// catalogue and recommend tests use for its files.
#pragma once

#include <string>

#include "../testing/temp_dir.h"

namespace nba::testing {

inline std::string operator/(const TempDir& dir, const std::string& name) { return dir.File(name); }

}  // namespace nba::testing

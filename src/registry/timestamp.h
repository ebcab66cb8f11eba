// The registry's clock format: ISO-8601 UTC to the second, e.g.
// "2025-03-01T12:00:00Z", readable in a listing and sortable as text.
#pragma once

#include <string>

namespace nba {

std::string UtcTimestampNow();

}  // namespace nba

// Request-target parsing: percent-decoding (RFC 3986) and query strings.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace nba {

// Decodes %XX escapes; with `plus_is_space` (query strings) '+' becomes ' '.
// Fails on a truncated or non-hex escape, and when the result is not UTF-8.
Status PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

// Parses "a=1&b=x%20y&flag" into ordered, decoded pairs ("flag" -> "").
Status ParseQuery(std::string_view query, std::vector<std::pair<std::string, std::string>>* out);

// Splits "/a/b/c" into {"a","b","c"} without decoding. "/" gives no segments.
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace nba

// Minimal JSON text helpers for the server's own small documents (error
// bodies, access log lines), where building a DOM per request would cost more
// than the request itself.
#pragma once

#include <string>
#include <string_view>

namespace nba {

// Appends `s` to `out` as a quoted JSON string, escaping what RFC 8259 requires.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace nba

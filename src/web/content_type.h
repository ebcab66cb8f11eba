// Content-Type of a static file, from its extension.
#pragma once

#include <string>
#include <string_view>

namespace nba {

// "text/html; charset=utf-8" for "index.html"; application/octet-stream for
// an unknown extension (browsers then do not guess a type to run).
std::string ContentTypeFor(std::string_view path);

}  // namespace nba

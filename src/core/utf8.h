// UTF-8 validation for text that arrives from outside (request paths, query
// strings) and is later echoed in JSON, where invalid bytes would break the
// document or make a JSON library throw.
#pragma once

#include <string_view>

namespace nba {

// True when `s` is well-formed UTF-8: no overlong forms, no surrogates,
// nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s);

}  // namespace nba

// Request ids and W3C Trace Context: a request that carries a valid
// `traceparent` takes its trace id as request id, so logs line up with the
// caller's traces; otherwise a random id is generated.
#pragma once

#include <string>
#include <string_view>

namespace nba {

// The 32-hex-digit trace id of a valid version-00 traceparent
// ("00-<trace id>-<parent id>-<flags>"), or false.
bool ParseTraceparent(std::string_view header, std::string* trace_id);

// 32 random hex digits.
std::string NewRequestId();

}  // namespace nba

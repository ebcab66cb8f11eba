#include "core/status.h"

namespace nba {

std::string Status::ToString() const {
  const char* name = "ok";
  switch (code_) {
    case Code::kOk: return "ok";
    case Code::kNotFound: name = "not found"; break;
    case Code::kInvalidArgument: name = "invalid argument"; break;
    case Code::kCorruption: name = "corruption"; break;
    case Code::kIOError: name = "io error"; break;
    case Code::kUnavailable: name = "unavailable"; break;
    case Code::kNotSupported: name = "not supported"; break;
  }
  return std::string(name) + ": " + message_;
}

}  // namespace nba

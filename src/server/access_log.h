// One JSON line per request, to stderr or a file:
//   {"ts":"2024-05-01T12:00:00.123Z","request_id":"...","method":"GET",
//    "route":"/v1/items/{id}","path":"/v1/items/7","status":200,
//    "duration_ms":0.42,"remote":"127.0.0.1:5123","principal":"shop",
//    "traceparent":"00-..."}
// Each line is written with a single fwrite, which stdio serialises, so
// concurrent requests never interleave within a line.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nba {

struct AccessRecord {
  std::string_view request_id, method, route, path, remote, principal, traceparent;
  int status = 0;
  double duration_ms = 0;
};

class AccessLog {
 public:
  // `destination` is "stderr", "off" or a file path (appended to).
  static Status Open(const std::string& destination, std::unique_ptr<AccessLog>* out);
  ~AccessLog();

  void Write(const AccessRecord& r);

 private:
  AccessLog(FILE* f, bool owned) : file_(f), owned_(owned) {}
  FILE* file_;  // null when off
  bool owned_;
};

}  // namespace nba

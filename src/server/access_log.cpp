#include "server/access_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "server/json_text.h"

namespace nba {

Status AccessLog::Open(const std::string& destination, std::unique_ptr<AccessLog>* out) {
  if (destination == "off") {
    out->reset(new AccessLog(nullptr, false));
  } else if (destination == "stderr") {
    out->reset(new AccessLog(stderr, false));
  } else {
    FILE* f = std::fopen(destination.c_str(), "a");
    if (f == nullptr) {
      return Status::IOError("server.access_log: cannot open " + destination + ": " + std::strerror(errno));
    }
    // Line buffered: each record reaches the file when written.
    std::setvbuf(f, nullptr, _IOLBF, 1 << 16);
    out->reset(new AccessLog(f, true));
  }
  return Status::Ok();
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(file_);
}

static void AppendField(std::string* line, const char* name, std::string_view value) {
  *line += ",\"";
  *line += name;
  *line += "\":";
  AppendJsonString(line, value);
}

void AccessLog::Write(const AccessRecord& r) {
  if (file_ == nullptr) return;
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm;
  gmtime_r(&secs, &tm);
  char ts[64];
  std::snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  std::string line = "{\"ts\":\"";
  line += ts;
  line += '"';
  AppendField(&line, "request_id", r.request_id);
  AppendField(&line, "method", r.method);
  AppendField(&line, "route", r.route);
  AppendField(&line, "path", r.path);
  char tail[64];
  std::snprintf(tail, sizeof(tail), ",\"status\":%d,\"duration_ms\":%.3f", r.status, r.duration_ms);
  line += tail;
  AppendField(&line, "remote", r.remote);
  if (!r.principal.empty()) AppendField(&line, "principal", r.principal);
  if (!r.traceparent.empty()) AppendField(&line, "traceparent", r.traceparent);
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), file_);
}

}  // namespace nba

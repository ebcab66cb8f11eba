#include "lake/lake_layout.h"

#include <charconv>
#include <chrono>
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "registry/file_util.h"

namespace nba {

namespace {

constexpr int64_t kDayMs = 24 * kLakeHourMs;
// 10000-01-01T00:00:00Z: the first time a four-digit year cannot name.
constexpr int64_t kEndOfYear9999Ms = 253402300800000;
constexpr std::string_view kPartPrefix = "part-";
constexpr std::string_view kPartSuffix = ".jsonl.zst";

template <typename Int>
bool ParseDecimal(std::string_view s, Int* out) {
  if (s.empty() || s.front() == '+') return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// A fixed-width field of digits only ("07", "2024").
bool ParseDigits(std::string_view s, size_t width, int* out) {
  if (s.size() != width) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return ParseDecimal(s, out);
}

// Splits off the text after the last '-': "a-b-7" -> ("a-b", "7").
bool SplitLastDash(std::string_view s, std::string_view* head, std::string_view* tail) {
  size_t dash = s.rfind('-');
  if (dash == std::string_view::npos) return false;
  *head = s.substr(0, dash);
  *tail = s.substr(dash + 1);
  return true;
}

}  // namespace

bool ValidLakeTime(int64_t ms) { return ms >= 0 && ms < kEndOfYear9999Ms; }

std::string LakeHourDir(int64_t ms) {
  using namespace std::chrono;
  const sys_days day{days{ms / kDayMs}};
  const year_month_day ymd{day};
  char buf[48];
  std::snprintf(buf, sizeof(buf), "date=%04d-%02u-%02u/hour=%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(ms % kDayMs / kLakeHourMs));
  return buf;
}

bool ParseUtcDate(std::string_view date, int64_t* day_start_ms) {
  using namespace std::chrono;
  int y, m, d;
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  if (!ParseDigits(date.substr(0, 4), 4, &y) || !ParseDigits(date.substr(5, 2), 2, &m) ||
      !ParseDigits(date.substr(8, 2), 2, &d)) {
    return false;
  }
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return false;
  *day_start_ms = static_cast<int64_t>(sys_days{ymd}.time_since_epoch().count()) * kDayMs;
  return true;
}

bool ParseLakeDateDir(std::string_view name, int64_t* day_start_ms) {
  constexpr std::string_view kPrefix = "date=";
  return name.starts_with(kPrefix) && ParseUtcDate(name.substr(kPrefix.size()), day_start_ms);
}

bool ParseLakeHourDir(std::string_view name, int* hour) {
  constexpr std::string_view kPrefix = "hour=";
  return name.starts_with(kPrefix) && ParseDigits(name.substr(kPrefix.size()), 2, hour) && *hour < 24;
}

std::string FormatUtcTime(int64_t ms) {
  if (!ValidLakeTime(ms)) return std::to_string(ms) + " ms";
  const std::string dir = LakeHourDir(ms);  // "date=YYYY-MM-DD/hour=HH"
  const int64_t in_hour = ms % kLakeHourMs;
  char buf[16];
  std::snprintf(buf, sizeof(buf), ":%02d:%02d", static_cast<int>(in_hour / 60000),
                static_cast<int>(in_hour / 1000 % 60));
  return dir.substr(5, 10) + " " + dir.substr(21, 2) + buf;
}

bool ValidTopicName(std::string_view topic) {
  if (topic.empty() || topic.size() > 249 || topic == "." || topic == "..") return false;
  for (char c : topic) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string FormatLakePartName(const LakePartName& n) {
  return std::string(kPartPrefix) + n.topic + "-" + std::to_string(n.partition) + "-" +
         std::to_string(n.first_offset) + "-" + std::to_string(n.last_offset) + std::string(kPartSuffix);
}

bool ParseLakePartName(std::string_view file_name, LakePartName* out) {
  if (!file_name.starts_with(kPartPrefix) || !file_name.ends_with(kPartSuffix)) return false;
  std::string_view rest = file_name.substr(kPartPrefix.size());
  rest.remove_suffix(kPartSuffix.size());
  std::string_view first, last, partition;
  if (!SplitLastDash(rest, &rest, &last) || !SplitLastDash(rest, &rest, &first) ||
      !SplitLastDash(rest, &rest, &partition)) {
    return false;
  }
  if (!ParseDecimal(partition, &out->partition) || !ParseDecimal(first, &out->first_offset) ||
      !ParseDecimal(last, &out->last_offset) || !ValidTopicName(rest)) {
    return false;
  }
  out->topic = std::string(rest);
  return out->partition >= 0 && out->first_offset >= 0 && out->first_offset <= out->last_offset;
}

std::string LakeCheckpointPath(const std::string& lake_dir, std::string_view topic, int32_t partition) {
  return lake_dir + "/" + std::string(kLakeCheckpointsDir) + "/" + std::string(topic) + "-" +
         std::to_string(partition);
}

bool ParseLakeCheckpointName(std::string_view file_name, std::string* topic, int32_t* partition) {
  std::string_view head, tail;
  if (!SplitLastDash(file_name, &head, &tail) || !ValidTopicName(head)) return false;
  if (!ParseDecimal(tail, partition) || *partition < 0) return false;
  *topic = std::string(head);
  return true;
}

Status ReadLakeCheckpoint(const std::string& path, int64_t* next_offset) {
  std::string text;
  Status s = ReadFileToString(path, &text);
  if (s.code() == Status::Code::kNotFound) {
    *next_offset = -1;
    return Status::Ok();
  }
  NBA_RETURN_IF_ERROR(s);
  if (text.ends_with('\n')) text.pop_back();
  if (!ParseDecimal(std::string_view(text), next_offset) || *next_offset < -1) {
    return Status::Corruption(path + ": checkpoint is not an offset: '" + text.substr(0, 40) + "'");
  }
  return Status::Ok();
}

Status WriteLakeCheckpoint(const std::string& path, int64_t next_offset) {
  return WriteFileAtomic(path, std::to_string(next_offset) + "\n");
}

Status ListDirNames(const std::string& dir, std::vector<std::string>* names) {
  names->clear();
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    names->push_back(it->path().filename().string());
  }
  if (ec) return Status::IOError(dir + ": cannot list: " + ec.message());
  std::sort(names->begin(), names->end());
  return Status::Ok();
}

Status ListLakeHours(const std::string& lake_dir, std::vector<LakeHourPath>* out) {
  out->clear();
  const std::string events = lake_dir + "/" + std::string(kLakeEventsDir);
  std::error_code ec;
  if (!std::filesystem::exists(events, ec)) return Status::Ok();
  std::vector<std::string> days, hours;
  NBA_RETURN_IF_ERROR(ListDirNames(events, &days));
  for (const std::string& day : days) {
    int64_t day_start;
    const std::string day_path = events + "/" + day;
    if (!ParseLakeDateDir(day, &day_start) || !std::filesystem::is_directory(day_path, ec)) continue;
    NBA_RETURN_IF_ERROR(ListDirNames(day_path, &hours));
    for (const std::string& hour : hours) {
      int h;
      const std::string hour_path = day_path + "/" + hour;
      if (!ParseLakeHourDir(hour, &h) || !std::filesystem::is_directory(hour_path, ec)) continue;
      out->push_back({day_start + h * kLakeHourMs, hour_path});
    }
  }
  // Fixed-width names sort in time order already; sorting by value says so.
  std::sort(out->begin(), out->end(),
            [](const LakeHourPath& a, const LakeHourPath& b) { return a.hour_start_ms < b.hour_start_ms; });
  return Status::Ok();
}

}  // namespace nba

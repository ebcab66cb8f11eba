#include "data/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

namespace nba {

namespace {

// Nearest-rank percentile of an ascending, non-empty vector.
size_t Percentile(const std::vector<size_t>& sorted, double q) {
  size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

size_t CountDuplicates(const std::vector<Interaction>& seq) {
  std::vector<std::tuple<uint32_t, int64_t, EventType>> keys;
  keys.reserve(seq.size());
  for (const Interaction& e : seq) keys.emplace_back(e.item, e.ts, e.type);
  std::sort(keys.begin(), keys.end());
  size_t n = 0;
  for (size_t i = 1; i < keys.size(); ++i) n += keys[i] == keys[i - 1];
  return n;
}

void AddLine(std::string* out, const char* name, const std::string& value) {
  char head[32];
  std::snprintf(head, sizeof(head), "%-12s", name);
  *out += head + value + "\n";
}

}  // namespace

DatasetStats ComputeStats(const Dataset& data) {
  DatasetStats s;
  s.users = data.num_users();
  std::vector<bool> seen(data.num_items() + 1, false);
  std::vector<size_t> lengths;
  lengths.reserve(data.num_users());
  for (const auto& seq : data.sequences) {
    lengths.push_back(seq.size());
    s.events += seq.size();
    for (const Interaction& e : seq) {
      seen[e.item] = true;
      ++s.events_per_type[static_cast<size_t>(e.type)];
    }
    s.duplicate_events += CountDuplicates(seq);
  }
  s.items = std::count(seen.begin(), seen.end(), true);
  if (!lengths.empty()) {
    std::sort(lengths.begin(), lengths.end());
    s.lengths = {lengths.front(), Percentile(lengths, 0.5), Percentile(lengths, 0.9), lengths.back(),
                 static_cast<double>(s.events) / lengths.size()};
  }
  return s;
}

std::string FormatStats(const DatasetStats& s) {
  std::string out;
  AddLine(&out, "users", std::to_string(s.users));
  AddLine(&out, "items", std::to_string(s.items));
  std::string events = std::to_string(s.events);
  std::string sep = " (";
  for (int t = 1; t < kNumEventTypes; ++t) {
    if (s.events_per_type[t] == 0) continue;
    events += sep + EventTypeName(static_cast<EventType>(t)) + " " + std::to_string(s.events_per_type[t]);
    sep = ", ";
  }
  if (sep == ", ") events += ")";
  AddLine(&out, "events", events);
  AddLine(&out, "duplicates", std::to_string(s.duplicate_events) + " (same user, item, ts and event; kept)");
  char len[160];
  std::snprintf(len, sizeof(len), "min %zu, p50 %zu, p90 %zu, max %zu, mean %.2f", s.lengths.min,
                s.lengths.p50, s.lengths.p90, s.lengths.max, s.lengths.mean);
  AddLine(&out, "per user", len);
  return out;
}

std::string FormatReport(const ImportReport& r) {
  std::string out;
  AddLine(&out, "file", r.file + " (" + r.format + ")");
  AddLine(&out, "rows", std::to_string(r.rows_read) + " read, " + std::to_string(r.rows_kept) + " kept, " +
                            std::to_string(r.bad_rows) + " bad (" + std::to_string(r.missing_fields) +
                            " with missing fields), " + std::to_string(r.blank_lines) + " blank lines");
  for (const BadRow& b : r.bad_examples) {
    AddLine(&out, "", "line " + std::to_string(b.line) + ": " + b.reason);
  }
  return out + FormatStats(r.stats);
}

nlohmann::json StatsToJson(const DatasetStats& s) {
  nlohmann::json per_type = nlohmann::json::object();
  for (int t = 1; t < kNumEventTypes; ++t) {
    per_type[EventTypeName(static_cast<EventType>(t))] = s.events_per_type[t];
  }
  return {{"users", s.users},
          {"items", s.items},
          {"events", s.events},
          {"events_per_type", per_type},
          {"duplicate_events", s.duplicate_events},
          {"length", {{"min", s.lengths.min},
                      {"p50", s.lengths.p50},
                      {"p90", s.lengths.p90},
                      {"max", s.lengths.max},
                      {"mean", s.lengths.mean}}}};
}

nlohmann::json ReportToJson(const ImportReport& r) {
  nlohmann::json bad = nlohmann::json::array();
  for (const BadRow& b : r.bad_examples) bad.push_back({{"line", b.line}, {"reason", b.reason}});
  return {{"file", r.file},
          {"format", r.format},
          {"rows_read", r.rows_read},
          {"rows_kept", r.rows_kept},
          {"bad_rows", r.bad_rows},
          {"missing_fields", r.missing_fields},
          {"blank_lines", r.blank_lines},
          {"bad_examples", bad},
          {"stats", StatsToJson(r.stats)}};
}

}  // namespace nba

// Data-quality report: what an import read, what it kept and why it dropped
// the rest, and the shape of the resulting dataset, as text for people and as
// JSON for pipelines.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.h"

namespace nba {

// Events per user.
struct LengthStats {
  size_t min = 0, p50 = 0, p90 = 0, max = 0;  // nearest-rank percentiles
  double mean = 0;
};

struct DatasetStats {
  size_t users = 0;
  size_t items = 0;   // items with at least one event
  size_t events = 0;
  std::array<size_t, kNumEventTypes> events_per_type{};
  size_t duplicate_events = 0;  // repeats of (user, item, ts, type); they are kept
  LengthStats lengths;
};

DatasetStats ComputeStats(const Dataset& data);

struct BadRow {
  int64_t line = 0;
  std::string reason;
};

struct ImportReport {
  static constexpr size_t kMaxBadExamples = 5;

  std::string file;
  std::string format;
  size_t rows_read = 0;       // non-blank lines, header excluded
  size_t rows_kept = 0;
  size_t bad_rows = 0;        // rows_read - rows_kept
  size_t missing_fields = 0;  // bad rows with too few or empty fields
  size_t blank_lines = 0;
  std::vector<BadRow> bad_examples;  // the first kMaxBadExamples bad rows
  DatasetStats stats;
};

// A block of aligned "name  value" lines, ending with a newline.
std::string FormatReport(const ImportReport& report);
std::string FormatStats(const DatasetStats& stats);
nlohmann::json ReportToJson(const ImportReport& report);
nlohmann::json StatsToJson(const DatasetStats& stats);

}  // namespace nba

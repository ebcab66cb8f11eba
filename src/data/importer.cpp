#include "data/importer.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <memory>
#include <vector>

#include "data/line_reader.h"

namespace nba {

namespace {

constexpr std::string_view kTsvHeader = "user_id\titem_id\tts\tevent";
constexpr size_t kDetectLines = 100;

struct FormatName {
  std::string_view name;
  ImportFormat format;
};
constexpr FormatName kFormatNames[] = {
    {"auto", ImportFormat::kAuto},           {"tsv", ImportFormat::kTsv},
    {"pairs", ImportFormat::kPairs},         {"sequences", ImportFormat::kSequences},
    {"movielens", ImportFormat::kMovieLens}, {"taobao", ImportFormat::kTaobao},
};

// Column roles of the formats with a fixed number of fields per row.
struct Layout {
  size_t num_fields;
  int user, item, ts, event;  // field indices; event < 0: every row is `fixed_event`
  EventType fixed_event;
  const char* names[5];
};
constexpr Layout kTsvLayout = {4, 0, 1, 2, 3, EventType::kPadding, {"user_id", "item_id", "ts", "event"}};
constexpr Layout kMovieLensLayout = {4, 0, 1, 3, -1, EventType::kRating, {"user", "item", "rating", "timestamp"}};
constexpr Layout kTaobaoLayout = {
    5, 0, 1, 4, 3, EventType::kPadding, {"user", "item", "category", "behavior", "timestamp"}};

void Split(std::string_view line, std::string_view sep, std::vector<std::string_view>* out) {
  out->clear();
  size_t start = 0;
  for (size_t pos; (pos = line.find(sep, start)) != std::string_view::npos; start = pos + sep.size()) {
    out->push_back(line.substr(start, pos - start));
  }
  out->push_back(line.substr(start));
}

void SplitWhitespace(std::string_view line, std::vector<std::string_view>* out) {
  out->clear();
  size_t pos = 0;
  while (true) {
    pos = line.find_first_not_of(" \t", pos);
    if (pos == std::string_view::npos) return;
    size_t end = std::min(line.find_first_of(" \t", pos), line.size());
    out->push_back(line.substr(pos, end - pos));
    pos = end;
  }
}

bool IsBlank(std::string_view line) { return line.find_first_not_of(" \t") == std::string_view::npos; }

bool ParseInt64(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

const char* SeparatorName(std::string_view sep) {
  if (sep == "\t") return "tabs";
  if (sep == ",") return "commas";
  return "'::'";
}

// Turns rows into events of `out`, recording bad rows in `report`.
class Importer {
 public:
  Importer(ImportFormat format, EventType positional_event, Dataset* out, ImportReport* report)
      : format_(format), positional_event_(positional_event), out_(out), report_(report) {}

  void AddRow(std::string_view line, int64_t line_no) {
    ++report_->rows_read;
    std::string reason;
    bool missing = false;
    if (Parse(line, &reason, &missing)) {
      ++report_->rows_kept;
      return;
    }
    ++report_->bad_rows;
    report_->missing_fields += missing;
    if (report_->bad_examples.size() < ImportReport::kMaxBadExamples) {
      report_->bad_examples.push_back({line_no, reason});
    }
  }

 private:
  bool Parse(std::string_view line, std::string* reason, bool* missing) {
    switch (format_) {
      case ImportFormat::kTsv: return ParseFixed(kTsvLayout, "\t", line, reason, missing);
      case ImportFormat::kMovieLens:
        return ParseFixed(kMovieLensLayout, line.find("::") != line.npos ? "::" : "\t", line, reason, missing);
      case ImportFormat::kTaobao: return ParseFixed(kTaobaoLayout, ",", line, reason, missing);
      case ImportFormat::kPairs:
      case ImportFormat::kSequences: return ParsePositional(line, reason, missing);
      case ImportFormat::kAuto: break;
    }
    *reason = "no format chosen";
    return false;
  }

  bool ParseFixed(const Layout& layout, std::string_view sep, std::string_view line, std::string* reason,
                  bool* missing) {
    Split(line, sep, &fields_);
    if (fields_.size() != layout.num_fields) {
      *missing = fields_.size() < layout.num_fields;
      *reason = "expected " + std::to_string(layout.num_fields) + " fields separated by " +
                SeparatorName(sep) + ", got " + std::to_string(fields_.size());
      return false;
    }
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (fields_[i].empty()) {
        *missing = true;
        *reason = std::string("empty ") + layout.names[i];
        return false;
      }
    }
    int64_t ts;
    if (!ParseInt64(fields_[layout.ts], &ts)) {
      *reason = std::string(layout.names[layout.ts]) + " '" + std::string(fields_[layout.ts]) +
                "' is not an integer";
      return false;
    }
    EventType type = layout.fixed_event;
    if (layout.event >= 0 && !ParseEventType(fields_[layout.event], &type)) {
      *reason = std::string("unknown ") + layout.names[layout.event] + " '" +
                std::string(fields_[layout.event]) + "'";
      return false;
    }
    uint32_t user = out_->users.Intern(fields_[layout.user]);
    AddEvent(user, fields_[layout.item], ts, type);
    return true;
  }

  // Pairs and sequences carry no time: ts counts the user's events so far.
  bool ParsePositional(std::string_view line, std::string* reason, bool* missing) {
    SplitWhitespace(line, &fields_);
    bool pairs = format_ == ImportFormat::kPairs;
    if (fields_.size() < 2 || (pairs && fields_.size() != 2)) {
      *missing = fields_.size() < 2;
      *reason = std::string(pairs ? "expected 'user item'" : "expected 'user item [item ...]'") + ", got " +
                std::to_string(fields_.size()) + " fields";
      return false;
    }
    uint32_t user = out_->users.Intern(fields_[0]);
    if (user >= next_position_.size()) next_position_.resize(user + 1, 0);
    for (size_t i = 1; i < fields_.size(); ++i) {
      AddEvent(user, fields_[i], next_position_[user]++, positional_event_);
    }
    return true;
  }

  void AddEvent(uint32_t user, std::string_view item, int64_t ts, EventType type) {
    if (user >= out_->sequences.size()) out_->sequences.resize(user + 1);
    out_->sequences[user].push_back({out_->items.Intern(item), type, ts});
  }

  ImportFormat format_;
  EventType positional_event_;
  Dataset* out_;
  ImportReport* report_;
  std::vector<std::string_view> fields_;
  std::vector<int64_t> next_position_;  // per dense user, for positional formats
};

// The format the first non-blank lines of a file look like.
Status DetectFromLines(const std::string& path, const std::vector<std::string>& lines, ImportFormat* out) {
  if (lines.empty()) return Status::InvalidArgument(path + ": no rows to detect the format from");
  const std::string& first = lines.front();
  std::vector<std::string_view> fields;
  if (first == kTsvHeader) {
    *out = ImportFormat::kTsv;
    return Status::Ok();
  }
  if (first.find("::") != std::string::npos) {
    *out = ImportFormat::kMovieLens;
    return Status::Ok();
  }
  Split(first, ",", &fields);
  if (fields.size() == 5) {
    *out = ImportFormat::kTaobao;
    return Status::Ok();
  }
  Split(first, "\t", &fields);
  if (fields.size() == 4) {
    EventType type;
    *out = ParseEventType(fields[3], &type) ? ImportFormat::kTsv : ImportFormat::kMovieLens;
    return Status::Ok();
  }
  // Whitespace-separated ids: pairs have two per line, sequences any count.
  size_t max_fields = 0;
  for (const std::string& line : lines) {
    SplitWhitespace(line, &fields);
    max_fields = std::max(max_fields, fields.size());
  }
  if (max_fields < 2) {
    return Status::InvalidArgument(path + ": cannot tell the format from its first line '" +
                                   first.substr(0, 60) + "'; name the format explicitly");
  }
  *out = max_fields == 2 ? ImportFormat::kPairs : ImportFormat::kSequences;
  return Status::Ok();
}

}  // namespace

bool ParseImportFormat(std::string_view name, ImportFormat* out) {
  for (const FormatName& f : kFormatNames) {
    if (f.name == name) {
      *out = f.format;
      return true;
    }
  }
  return false;
}

const char* ImportFormatName(ImportFormat format) {
  for (const FormatName& f : kFormatNames) {
    if (f.format == format) return f.name.data();
  }
  return "unknown";
}

Status DetectFormat(const std::string& path, ImportFormat* out) {
  std::filesystem::path name = std::filesystem::path(path).filename();
  if (name.extension() == ".gz") name = name.stem();
  if (name == "u.data" || name == "ratings.dat") {
    *out = ImportFormat::kMovieLens;
    return Status::Ok();
  }
  if (name.string().starts_with("UserBehavior")) {
    *out = ImportFormat::kTaobao;
    return Status::Ok();
  }
  std::unique_ptr<LineReader> reader;
  NBA_RETURN_IF_ERROR(LineReader::Open(path, &reader));
  std::vector<std::string> lines;
  std::string line;
  while (lines.size() < kDetectLines && reader->Next(&line)) {
    if (!IsBlank(line)) lines.push_back(line);
  }
  NBA_RETURN_IF_ERROR(reader->status());
  return DetectFromLines(path, lines, out);
}

Status ImportFile(const std::string& path, const ImportOptions& opts, Dataset* out, ImportReport* report) {
  *out = Dataset();
  *report = ImportReport();
  report->file = path;
  ImportFormat format = opts.format;
  if (format == ImportFormat::kAuto) NBA_RETURN_IF_ERROR(DetectFormat(path, &format));
  report->format = ImportFormatName(format);

  std::unique_ptr<LineReader> reader;
  NBA_RETURN_IF_ERROR(LineReader::Open(path, &reader));
  Importer importer(format, opts.positional_event, out, report);
  bool first_row = true;
  for (std::string line; reader->Next(&line);) {
    if (IsBlank(line)) {
      ++report->blank_lines;
      continue;
    }
    bool header = first_row && format == ImportFormat::kTsv && line == kTsvHeader;
    first_row = false;
    if (!header) importer.AddRow(line, reader->line_number());
  }
  NBA_RETURN_IF_ERROR(reader->status());

  if (report->rows_kept == 0) {
    std::string why = report->bad_examples.empty()
                          ? "the file has no rows"
                          : std::to_string(report->bad_rows) + " bad rows, first at line " +
                                std::to_string(report->bad_examples[0].line) + ": " +
                                report->bad_examples[0].reason;
    return Status::InvalidArgument(path + ": no valid rows (" + why + ")");
  }
  for (auto& seq : out->sequences) {
    std::stable_sort(seq.begin(), seq.end(),
                     [](const Interaction& a, const Interaction& b) { return a.ts < b.ts; });
  }
  report->stats = ComputeStats(*out);
  return Status::Ok();
}

}  // namespace nba

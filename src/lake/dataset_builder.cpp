#include "lake/dataset_builder.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "data/writer.h"
#include "lake/lake_layout.h"
#include "lake/lake_reader.h"

namespace nba {

namespace {

// Where a record was in Kafka: what decides "earlier" for an erasure.
struct KafkaPosition {
  uint32_t topic = 0;  // index into the topics seen
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t kafka_ts_ms = 0;

  bool Before(const KafkaPosition& other) const {
    if (topic == other.topic && partition == other.partition) return offset < other.offset;
    return kafka_ts_ms < other.kafka_ts_ms;
  }
};

struct RawEvent {
  uint32_t user = 0;  // index into the users seen
  uint32_t item = 0;  // index into the items seen
  EventType type = EventType::kView;
  int64_t ts_ms = 0;
  KafkaPosition position;
};

bool TsvSafe(const std::string& id) { return id.find_first_of("\t\r\n") == std::string::npos; }

// Everything one pass over the lake collects.
class LakeScan {
 public:
  LakeScan(const DatasetBuildOptions& options, DatasetBuildReport* report) : options_(options), report_(report) {}

  void Add(const LakeFile& file, const LakeEntry& entry) {
    ++report_->records;
    const LogRecord& r = entry.record;
    const KafkaPosition position{topics_.Intern(file.topic), entry.partition, entry.offset, entry.ts_ms};
    if (r.kind == RecordKind::kErase) {
      erasures_[r.user_id].push_back(position);
      return;
    }
    if (r.kind != RecordKind::kEvent || !InRange(file.hour_start_ms)) return;
    ++report_->events_in_range;
    if (!r.event.event_id.empty() && !seen_ids_.insert(r.user_id + '\0' + r.event.event_id).second) {
      ++report_->duplicates_dropped;
      return;
    }
    if (!TsvSafe(r.user_id) || !TsvSafe(r.event.item_id)) {
      ++report_->bad_ids;
      return;
    }
    events_.push_back({users_.Intern(r.user_id), items_.Intern(r.event.item_id), r.event.type, r.event.ts_ms, position});
  }

  // The events no erasure hides, grouped by user in order of first
  // appearance, each user's sorted by time.
  void Build(Dataset* out) {
    report_->erased_users = erasures_.size();
    std::vector<const std::vector<KafkaPosition>*> erased(users_.size(), nullptr);
    for (uint32_t u = 0; u < users_.size(); ++u) {
      auto it = erasures_.find(users_.External(u));
      if (it != erasures_.end()) erased[u] = &it->second;
    }
    std::vector<std::vector<const RawEvent*>> by_user(users_.size());
    for (const RawEvent& e : events_) {
      if (erased[e.user] != nullptr && Hidden(e, *erased[e.user])) {
        ++report_->events_erased;
        continue;
      }
      by_user[e.user].push_back(&e);
    }
    *out = Dataset();
    for (auto& events : by_user) {
      if (events.empty()) continue;
      std::stable_sort(events.begin(), events.end(),
                       [](const RawEvent* a, const RawEvent* b) { return a->ts_ms < b->ts_ms; });
      const uint32_t user = out->users.Intern(users_.External(events.front()->user));
      out->sequences.resize(user + 1);
      for (const RawEvent* e : events) {
        out->sequences[user].push_back({out->items.Intern(items_.External(e->item)), e->type, e->ts_ms});
        report_->first_ts_ms = report_->events_written == 0 ? e->ts_ms : std::min(report_->first_ts_ms, e->ts_ms);
        report_->last_ts_ms = report_->events_written == 0 ? e->ts_ms : std::max(report_->last_ts_ms, e->ts_ms);
        ++report_->events_written;
      }
    }
    report_->users = out->num_users();
    report_->items = out->num_items();
  }

 private:
  bool InRange(int64_t hour_start) const {
    return hour_start < options_.to_ms && hour_start + kLakeHourMs > options_.from_ms;
  }

  static bool Hidden(const RawEvent& e, const std::vector<KafkaPosition>& erasures) {
    return std::any_of(erasures.begin(), erasures.end(),
                       [&](const KafkaPosition& erase) { return e.position.Before(erase); });
  }

  const DatasetBuildOptions& options_;
  DatasetBuildReport* report_;
  IdMap topics_, users_, items_;
  std::unordered_map<std::string, std::vector<KafkaPosition>> erasures_;  // by user id
  std::unordered_set<std::string> seen_ids_;                              // user_id \0 event_id
  std::vector<RawEvent> events_;
};

}  // namespace

Status BuildDatasetFromLake(const DatasetBuildOptions& options, Dataset* out, DatasetBuildReport* report) {
  *report = DatasetBuildReport();
  if (options.from_ms >= options.to_ms) {
    return Status::InvalidArgument("dataset time range is empty: from " + FormatUtcTime(options.from_ms) +
                                   " is not before to " + FormatUtcTime(options.to_ms));
  }
  // The whole lake, not only the range: an erasure after the range still counts.
  std::unique_ptr<LakeReader> reader;
  NBA_RETURN_IF_ERROR(LakeReader::Open(options.lake_dir, LakeReadOptions(), &reader));
  report->files = reader->files().size();
  LakeScan scan(options, report);
  NBA_RETURN_IF_ERROR(reader->ForEach([&](const LakeFile& file, const LakeEntry& entry) {
    scan.Add(file, entry);
    return true;
  }));
  scan.Build(out);
  if (report->events_written == 0) {
    return Status::InvalidArgument(options.lake_dir + ": no events to write (" + std::to_string(report->files) +
                                   " committed files, " + std::to_string(report->events_in_range) +
                                   " events in the time range)");
  }
  return Status::Ok();
}

Status BuildDatasetFile(const DatasetBuildOptions& options, const std::string& out_path,
                        DatasetBuildReport* report) {
  Dataset data;
  NBA_RETURN_IF_ERROR(BuildDatasetFromLake(options, &data, report));
  return WriteTsv(data, out_path);
}

std::string FormatDatasetBuildReport(const DatasetBuildReport& r) {
  std::string out;
  auto line = [&](const char* name, const std::string& value) {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "%-22s %s\n", name, value.c_str());
    out += buf;
  };
  line("lake files read", std::to_string(r.files));
  line("records read", std::to_string(r.records));
  line("events in range", std::to_string(r.events_in_range));
  line("duplicates dropped", std::to_string(r.duplicates_dropped));
  line("events erased", std::to_string(r.events_erased));
  line("erased users", std::to_string(r.erased_users));
  line("ids not TSV-safe", std::to_string(r.bad_ids));
  line("events written", std::to_string(r.events_written));
  line("users", std::to_string(r.users));
  line("items", std::to_string(r.items));
  if (r.events_written > 0) {
    line("first event (UTC)", FormatUtcTime(r.first_ts_ms));
    line("last event (UTC)", FormatUtcTime(r.last_ts_ms));
  }
  return out;
}

}  // namespace nba

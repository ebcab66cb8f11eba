#include "ingest/replay.h"

#include <unordered_map>

#include "registry/file_util.h"

namespace nba {

Status ReadVisibleRecords(const EventLog& log, uint64_t from_seq,
                          const std::function<bool(uint64_t seq, const LogRecord& record)>& fn) {
  // An erasure can only hide records before it, so both passes start at from_seq.
  std::unordered_map<std::string, uint64_t> erased_at;
  LogRecord rec;
  Status decode;
  NBA_RETURN_IF_ERROR(log.ReadAll(from_seq, [&](uint64_t seq, std::string_view data) {
    // Only the kind and the user matter here; a cheap full decode keeps one code path.
    decode = DecodeRecord(data, &rec);
    if (!decode.ok()) {
      decode = Status::Corruption("event log record " + std::to_string(seq) + ": " + decode.message());
      return false;
    }
    if (rec.kind == RecordKind::kErase) erased_at[rec.user_id] = seq;
    return true;
  }));
  NBA_RETURN_IF_ERROR(decode);
  NBA_RETURN_IF_ERROR(log.ReadAll(from_seq, [&](uint64_t seq, std::string_view data) {
    decode = DecodeRecord(data, &rec);
    if (!decode.ok()) {
      decode = Status::Corruption("event log record " + std::to_string(seq) + ": " + decode.message());
      return false;
    }
    if (rec.kind != RecordKind::kErase) {
      auto it = erased_at.find(rec.user_id);
      if (it != erased_at.end() && seq < it->second) return true;
    }
    return fn(seq, rec);
  }));
  return decode;
}

void ApplyRecord(const LogRecord& record, FeatureStore* store) {
  switch (record.kind) {
    case RecordKind::kEvent: store->ApplyEvent(record.user_id, ToUserEvent(record.event)); break;
    case RecordKind::kProfile: store->SetProfile(record.user_id, record.profile); break;
    case RecordKind::kErase: store->Erase(record.user_id); break;
  }
}

Status WriteFeatureSnapshot(const MemoryFeatureStore& store, uint64_t covered_seq, const std::string& path) {
  std::string data;
  store.EncodeSnapshot(covered_seq, &data);
  return WriteFileAtomic(path, data);
}

Status RebuildFeatures(const std::string& snapshot_path, const EventLog& log, MemoryFeatureStore* store,
                       RebuildReport* report) {
  *report = RebuildReport();
  std::string data;
  Status s = ReadFileToString(snapshot_path, &data);
  if (s.ok()) {
    NBA_RETURN_IF_ERROR(store->DecodeSnapshot(data, snapshot_path, &report->snapshot_seq));
    report->snapshot_loaded = true;
  } else if (s.code() != Status::Code::kNotFound) {
    return s;
  }
  return ReadVisibleRecords(log, report->snapshot_seq + 1, [&](uint64_t, const LogRecord& record) {
    ApplyRecord(record, store);
    ++report->replayed;
    return true;
  });
}

}  // namespace nba

// Helpers shared by the event log tests: a temp directory that removes
// itself, deterministic record contents, and a full replay into a vector.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "storage/event_log.h"
#include "../testing/temp_dir.h"

namespace nba::testing {


// Varying sizes (0 to ~300 bytes, including empty) with content tied to the key.
inline std::string RecordFor(uint64_t key) {
  std::string r = "rec-" + std::to_string(key) + ":";
  r.append((key * 7919) % 300, static_cast<char>('a' + key % 26));
  return key % 97 == 0 ? std::string() : r;
}

using Replayed = std::vector<std::pair<uint64_t, std::string>>;

inline Status ReplayAll(const EventLog& log, Replayed* out, uint64_t from_seq = 1) {
  out->clear();
  return log.ReadAll(from_seq, [&](uint64_t seq, std::string_view record) {
    out->emplace_back(seq, std::string(record));
    return true;
  });
}

inline std::unique_ptr<EventLog> OpenOrDie(const EventLogOptions& options) {
  std::unique_ptr<EventLog> log;
  Status s = EventLog::Open(options, &log);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return log;
}

inline Status AppendOne(EventLog* log, std::string_view record, uint64_t* seq) {
  return log->Append(std::span<const std::string_view>(&record, 1), seq);
}

}  // namespace nba::testing

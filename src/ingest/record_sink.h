// RecordSink: where IngestService puts accepted records before it answers.
// Embedded, that is the event log (EventLogSink); distributed, Kafka
// (stream/kafka_sink.h). Ok from Append is the acknowledgement: the records
// are durable (fsynced, or acknowledged by every in-sync Kafka replica).
#pragma once

#include <span>
#include <string_view>

#include "core/status.h"

namespace nba {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Stores `records` in order. keys[i] is records[i]'s user id: a
  // partitioned sink keeps one user's records in one ordered partition.
  // Thread-safe; an error means none of the records is acknowledged.
  virtual Status Append(std::span<const std::string_view> records, std::span<const std::string_view> keys) = 0;
  // Unavailable with the reason while the sink cannot take records (/readyz).
  virtual Status Health() const = 0;
};

}  // namespace nba

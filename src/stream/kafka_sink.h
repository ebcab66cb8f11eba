// KafkaSink: the RecordSink of a distributed-mode replica. Accepted records
// go to the events topic keyed by user id, and the HTTP answer waits for
// Kafka's acknowledgement (KafkaProducer::ProduceAndWait).
//
// When Kafka cannot acknowledge, the configuration decides:
//   reject: the request fails (503); for retry_ms after a failure requests
//           fail at once instead of each waiting out the delivery timeout.
//   spool:  the records go to a durable local spool (an EventLog under
//           spool_dir) and are acknowledged once fsynced. From then on every
//           new record is spooled too, so one user's records reach Kafka in
//           order; a forwarder thread sends the spool to Kafka, oldest first,
//           persisting its position (spool_dir/../<name>.cursor) after each
//           acknowledged batch, and switches back to direct sends once the
//           spool is drained (then the spool is emptied). During the switch
//           one user's records may reach Kafka out of order; each keeps
//           its timestamp.
// A timed-out send may still have reached Kafka, and the forwarder may send
// a batch twice after a crash: the consumer dedupes by event id.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "ingest/record_sink.h"
#include "server/http_service.h"
#include "storage/event_log.h"
#include "stream/kafka_producer.h"

namespace nba {

struct KafkaSinkOptions {
  std::string topic;
  bool spool = true;        // false: reject
  std::string spool_dir;    // required with spool
  int retry_ms = 1000;      // reject: fail fast this long after a failure; spool: forwarder retry period
  size_t forward_batch = 5000;
};

class KafkaSink : public RecordSink {
 public:
  // `producer` must outlive the sink. Opens the spool; when it holds records
  // not yet forwarded (a restart during an outage), starts in spool mode.
  static Status Open(const KafkaSinkOptions& options, KafkaProducer* producer, std::unique_ptr<KafkaSink>* out);
  ~KafkaSink() override;  // Stop()

  Status Append(std::span<const std::string_view> records, std::span<const std::string_view> keys) override;
  Status Health() const override;

  // Adds nba_kafka_produce_errors_total, nba_kafka_spooled_events and a
  // "kafka" readiness check.
  void Register(HttpService* service);
  // Records in the spool not yet acknowledged by Kafka.
  uint64_t spooled() const { return spooled_.load(std::memory_order_relaxed); }
  // Stops the forwarder (what it did not send stays in the spool).
  void Stop();

 private:
  KafkaSink(const KafkaSinkOptions& options, KafkaProducer* producer) : options_(options), producer_(producer) {}
  Status OpenSpool();
  Status SpoolAppend(std::span<const std::string_view> records, std::span<const std::string_view> keys);
  void ForwardLoop();
  // Sends the next spooled batch; false when the spool is drained or Kafka failed.
  bool ForwardBatch(bool* drained);
  Status SaveCursor(uint64_t seq);

  const KafkaSinkOptions options_;
  KafkaProducer* const producer_;
  std::string cursor_path_;

  // True while records go to the spool. Direct sends take no lock: a lock
  // shared with them would starve the forwarder under steady load.
  std::atomic<bool> spooling_{false};
  // Shared by spool appends, exclusive to empty the spool (forwarder).
  mutable std::shared_mutex spool_mu_;
  std::unique_ptr<EventLog> spool_;
  uint64_t cursor_ = 0;  // last forwarded spool seq (forwarder thread only)
  std::atomic<uint64_t> spooled_{0};
  std::atomic<int64_t> failed_at_ms_{-1};  // steady clock of the last direct failure

  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread forwarder_;

  Counter* produce_errors_ = nullptr;
  Gauge* spooled_gauge_ = nullptr;
};

}  // namespace nba

// KafkaProducer: an idempotent librdkafka producer (acks=all, so a message is
// acknowledged once every in-sync replica has it; retries cannot duplicate or
// reorder it within a partition).
//
// ProduceAndWait is the synchronous call the HTTP path needs: it queues a
// batch of messages and blocks until Kafka acknowledged or failed every one
// of them. Many callers share one producer, so concurrent requests fill the
// same protocol batches (linger_ms). A background thread serves librdkafka's
// delivery reports.
//
// A full local queue (ENOBUFS, QUEUE_FULL) is back-pressure: the call waits
// for room until its deadline. After a fatal error (which only the
// idempotent producer raises) the handle is replaced by a fresh one; the
// calls in flight on the old one fail and the caller decides (spool or 503).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "core/status.h"
#include "stream/kafka_options.h"

namespace nba {

struct KafkaMessage {
  std::string_view key;
  std::string_view value;
};

class KafkaProducer {
 public:
  static Status Open(const KafkaOptions& options, std::unique_ptr<KafkaProducer>* out);
  ~KafkaProducer();  // flushes for up to delivery_timeout_ms, then gives up

  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Sends `messages` to `topic` (partition chosen by key hash) and waits
  // until each is acknowledged, for at most delivery_timeout_ms (+0.5 s);
  // Unavailable with the first error otherwise (then some messages may
  // still have been written: consumers dedupe).
  Status ProduceAndWait(const std::string& topic, std::span<const KafkaMessage> messages);

  // Messages queued locally and not yet acknowledged.
  int64_t in_flight() const;
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }

 private:
  explicit KafkaProducer(const KafkaOptions& options) : options_(options) {}
  Status CreateHandle(rd_kafka_t** out);
  void ReplaceHandleAfterFatalError(rd_kafka_t* failed);
  void PollLoop();
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);

  const KafkaOptions options_;
  mutable std::shared_mutex handle_mu_;  // exclusive only to replace the handle
  rd_kafka_t* rk_ = nullptr;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> errors_{0};
  std::thread poller_;
};

}  // namespace nba

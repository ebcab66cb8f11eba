// EventConsumer: the loop of `nba consume`. It reads the events topic as a
// member of a consumer group and makes every record's effect durable before
// committing its offset:
//
//   poll a batch (batch_max_events / batch_max_ms)
//     -> Redis: one pipelined round trip, each change atomic and deduped by
//        event id (RedisFeatureStore::ApplyBatch); retried until Redis answers
//     -> lake buffer, per partition (events of users without consent are
//        left out)
//   every lake_flush_ms, on a rebalance and at the end:
//     -> lake: one file per partition and hour, fsynced (LakeWriter)
//     -> Kafka: commit the next offsets.
//
// Delivery is at least once: after a crash the records since the last
// commit come again. Redis drops them by event id, the lake by offset
// (LakeWriter's checkpoint), so each is applied and stored once in effect.
// The lake is written less often than Redis so its files stay large; user
// state is fresh within a batch.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "lake/lake_writer.h"
#include "redis/redis_feature_store.h"
#include "server/metrics.h"
#include "stream/kafka_consumer.h"

namespace nba {

struct EventConsumerOptions {
  std::string topic = "nba.events";
  std::string group_id = "nba-consume";
  size_t batch_max_events = 10000;
  int batch_max_ms = 100;
  int lake_flush_ms = 5000;
  size_t lake_flush_events = 500000;
  int retry_ms = 200;  // between attempts while Redis or the lake fail
};

class EventConsumer {
 public:
  // Every pointer must outlive the consumer.
  EventConsumer(const EventConsumerOptions& options, const KafkaOptions& kafka, RedisFeatureStore* store,
                LakeWriter* lake, MetricsRegistry* metrics);

  // Consumes until *stop is set, then flushes the lake and commits. An error
  // only for what retrying cannot fix (the group cannot be joined, a lake
  // entry the lake refuses).
  Status Run(const std::atomic<bool>* stop);

 private:
  // Applies a polled batch to Redis and buffers it for the lake.
  Status Apply(const std::vector<ConsumedMessage>& messages, const std::atomic<bool>* stop);
  // Writes the lake buffers and commits their offsets.
  Status Flush(const std::atomic<bool>* stop);
  void OnAssigned(const std::vector<TopicPartition>& parts);

  const EventConsumerOptions options_;
  const KafkaOptions kafka_;
  RedisFeatureStore* const store_;
  LakeWriter* const lake_;
  std::unique_ptr<KafkaConsumer> consumer_;

  std::map<int32_t, std::vector<LakeEntry>> buffered_;
  std::map<int32_t, int64_t> next_offsets_;  // to commit at the next flush
  size_t buffered_count_ = 0;
  Status rebalance_error_;

  Counter* events_;
  Counter* duplicates_;
  Counter* no_consent_;
  Counter* corrupt_;
  Counter* redis_retries_;
  Gauge* lag_;
  Gauge* max_lag_;
  Gauge* assigned_;
};

}  // namespace nba

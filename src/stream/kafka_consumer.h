// KafkaConsumer: a member of a Kafka consumer group (librdkafka), with
// offsets committed only by the caller, after it made the messages' effects
// durable. Delivery is therefore at least once: after a crash the messages
// since the last commit come again, and the caller dedupes.
//
// Rebalances run inside Poll on the caller's thread: the listener hears of
// partitions before they are consumed (OnAssigned) and before they go to
// another member (OnRevoked; commit what is done there).
//
// Without a group id the consumer reads every partition of its topics from
// the beginning and commits nothing (the catalogue follower of a replica).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "core/status.h"
#include "stream/kafka_options.h"

namespace nba {

struct ConsumedMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;  // the producer's create time
  std::string key;
  std::string value;
};

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;  // for Commit: the next offset to read
};

struct RebalanceListener {
  std::function<void(const std::vector<TopicPartition>&)> on_assigned;
  std::function<void(const std::vector<TopicPartition>&)> on_revoked;
};

class KafkaConsumer {
 public:
  // group_id "" reads all partitions from the beginning (no group, no commits).
  static Status Open(const KafkaOptions& options, const std::string& group_id, const std::vector<std::string>& topics,
                     RebalanceListener listener, std::unique_ptr<KafkaConsumer>* out);
  ~KafkaConsumer();  // leaves the group

  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Appends up to max_messages to *out, waiting at most timeout_ms in all.
  // Transient broker errors are not errors here (librdkafka retries).
  Status Poll(size_t max_messages, int timeout_ms, std::vector<ConsumedMessage>* out);
  // Synchronous commit of the next offsets to read.
  Status Commit(const std::vector<TopicPartition>& next_offsets);
  // Messages behind the partition ends over the assigned partitions, from
  // the last fetched high watermarks (no broker round trip).
  int64_t Lag() const;
  std::vector<TopicPartition> Assignment() const;

 private:
  KafkaConsumer() = default;
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque);
  Status AssignAllFromBeginning(const std::vector<std::string>& topics);

  rd_kafka_t* rk_ = nullptr;
  RebalanceListener listener_;
};

}  // namespace nba

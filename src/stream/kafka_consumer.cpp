#include "stream/kafka_consumer.h"

#include <chrono>

#include "stream/kafka_properties.h"

namespace nba {
namespace {

std::vector<TopicPartition> ToVector(const rd_kafka_topic_partition_list_t* parts) {
  std::vector<TopicPartition> v;
  for (int i = 0; parts != nullptr && i < parts->cnt; ++i) {
    v.push_back({parts->elems[i].topic, parts->elems[i].partition, parts->elems[i].offset});
  }
  return v;
}

}  // namespace

Status KafkaConsumer::Open(const KafkaOptions& options, const std::string& group_id,
                           const std::vector<std::string>& topics, RebalanceListener listener,
                           std::unique_ptr<KafkaConsumer>* out) {
  if (options.brokers.empty()) return Status::InvalidArgument("kafka.brokers: must not be empty");
  std::unique_ptr<KafkaConsumer> c(new KafkaConsumer());
  c->listener_ = std::move(listener);
  KafkaProperties props;
  props.Set("bootstrap.servers", options.brokers);
  props.Set("client.id", options.client_id);
  // librdkafka wants a group id even for a plain assignment; nothing is committed then.
  props.Set("group.id", group_id.empty() ? "nba-follower" : group_id);
  props.Set("enable.auto.commit", "false");
  props.Set("enable.auto.offset.store", "false");
  props.Set("auto.offset.reset", "earliest");
  props.Set("enable.partition.eof", "false");
  for (const auto& [k, v] : options.properties) props.Set(k, v);
  rd_kafka_conf_t* conf = nullptr;
  NBA_RETURN_IF_ERROR(props.Build(&conf));
  rd_kafka_conf_set_opaque(conf, c.get());
  if (!group_id.empty()) rd_kafka_conf_set_rebalance_cb(conf, &KafkaConsumer::OnRebalance);
  char err[512];
  c->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (c->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(c->rk_);
  if (group_id.empty()) {
    NBA_RETURN_IF_ERROR(c->AssignAllFromBeginning(topics));
  } else {
    rd_kafka_topic_partition_list_t* subs = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    for (const std::string& t : topics) rd_kafka_topic_partition_list_add(subs, t.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(c->rk_, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Unavailable(std::string("kafka subscribe: ") + rd_kafka_err2str(e));
  }
  *out = std::move(c);
  return Status::Ok();
}

Status KafkaConsumer::AssignAllFromBeginning(const std::vector<std::string>& topics) {
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(8);
  for (const std::string& t : topics) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, t.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk_, 0, rkt, &md, 10000);
    rd_kafka_topic_destroy(rkt);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_resp_err_t shown = e != RD_KAFKA_RESP_ERR_NO_ERROR ? e : md->topics[0].err;
      if (md != nullptr) rd_kafka_metadata_destroy(md);
      rd_kafka_topic_partition_list_destroy(parts);
      return Status::Unavailable("kafka metadata of " + t + ": " + rd_kafka_err2str(shown));
    }
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      rd_kafka_topic_partition_list_add(parts, t.c_str(), md->topics[0].partitions[i].id)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_resp_err_t e = rd_kafka_assign(rk_, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Unavailable(std::string("kafka assign: ") + rd_kafka_err2str(e));
  return Status::Ok();
}

KafkaConsumer::~KafkaConsumer() {
  if (rk_ == nullptr) return;
  rd_kafka_consumer_close(rk_);
  rd_kafka_destroy(rk_);
}

void KafkaConsumer::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                                void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (self->listener_.on_assigned) self->listener_.on_assigned(ToVector(parts));
    rd_kafka_assign(rk, parts);
  } else {
    if (self->listener_.on_revoked) self->listener_.on_revoked(ToVector(parts));
    rd_kafka_assign(rk, nullptr);
  }
}

Status KafkaConsumer::Poll(size_t max_messages, int timeout_ms, std::vector<ConsumedMessage>* out) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t got = 0;
  while (got < max_messages) {
    const int64_t left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left < 0) break;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, static_cast<int>(left));
    if (m == nullptr) break;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const bool fatal = m->err == RD_KAFKA_RESP_ERR__FATAL;
      std::string reason = rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      if (fatal) return Status::Unavailable("kafka consume: " + reason);
      continue;
    }
    ConsumedMessage c;
    c.topic = rd_kafka_topic_name(m->rkt);
    c.partition = m->partition;
    c.offset = m->offset;
    rd_kafka_timestamp_type_t tstype;
    c.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
    if (m->key != nullptr) c.key.assign(static_cast<const char*>(m->key), m->key_len);
    if (m->payload != nullptr) c.value.assign(static_cast<const char*>(m->payload), m->len);
    rd_kafka_message_destroy(m);
    out->push_back(std::move(c));
    ++got;
  }
  return Status::Ok();
}

Status KafkaConsumer::Commit(const std::vector<TopicPartition>& next_offsets) {
  if (next_offsets.empty()) return Status::Ok();
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size()));
  for (const TopicPartition& tp : next_offsets) {
    rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition)->offset = tp.offset;
  }
  rd_kafka_resp_err_t e = rd_kafka_commit(rk_, list, 0);
  rd_kafka_topic_partition_list_destroy(list);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Unavailable(std::string("kafka commit: ") + rd_kafka_err2str(e));
  return Status::Ok();
}

std::vector<TopicPartition> KafkaConsumer::Assignment() const {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(rk_, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  rd_kafka_position(rk_, parts);
  std::vector<TopicPartition> v = ToVector(parts);
  rd_kafka_topic_partition_list_destroy(parts);
  return v;
}

int64_t KafkaConsumer::Lag() const {
  int64_t lag = 0;
  for (const TopicPartition& tp : Assignment()) {
    int64_t low = 0, high = -1;
    rd_kafka_get_watermark_offsets(rk_, tp.topic.c_str(), tp.partition, &low, &high);
    // Not fetched yet: no cached watermarks, ask the broker.
    if (high < 0 &&
        rd_kafka_query_watermark_offsets(rk_, tp.topic.c_str(), tp.partition, &low, &high, 1000) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
      continue;
    }
    // No position yet (nothing consumed since the assignment): from the
    // group's committed offset, else from the start.
    int64_t position = tp.offset;
    if (position < 0) {
      rd_kafka_topic_partition_list_t* one = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(one, tp.topic.c_str(), tp.partition);
      if (rd_kafka_committed(rk_, one, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) position = one->elems[0].offset;
      rd_kafka_topic_partition_list_destroy(one);
    }
    if (position < 0) position = low;
    if (high > position) lag += high - position;
  }
  return lag;
}

}  // namespace nba

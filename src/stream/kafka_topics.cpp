#include "stream/kafka_topics.h"

#include <librdkafka/rdkafka.h>

#include "stream/kafka_properties.h"

namespace nba {

Status EnsureTopic(const KafkaOptions& options, const std::string& topic, int partitions,
                   const std::map<std::string, std::string>& topic_config, int timeout_ms) {
  KafkaProperties props;
  props.Set("bootstrap.servers", options.brokers);
  props.Set("client.id", options.client_id);
  rd_kafka_conf_t* conf = nullptr;
  NBA_RETURN_IF_ERROR(props.Build(&conf));
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka admin: ") + err);
  }
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, -1, err, sizeof err);
  Status result = Status::Ok();
  if (nt == nullptr) {
    result = Status::InvalidArgument("kafka topic " + topic + ": " + err);
  } else {
    for (const auto& [k, v] : topic_config) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, err, sizeof err);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, err, sizeof err);
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms + 1000);
    if (ev == nullptr) {
      result = Status::Unavailable("kafka: creating topic " + topic + " timed out");
    } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      result = Status::Unavailable("kafka: creating topic " + topic + ": " + rd_kafka_event_error_string(ev));
    } else {
      size_t n = 0;
      const rd_kafka_topic_result_t** results =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
      for (size_t i = 0; i < n; ++i) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          const char* why = rd_kafka_topic_result_error_string(results[i]);
          result = Status::Unavailable("kafka: creating topic " + topic + ": " + (why ? why : rd_kafka_err2str(e)));
        }
      }
    }
    if (ev != nullptr) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_NewTopic_destroy(nt);
  }
  rd_kafka_destroy(rk);
  return result;
}

}  // namespace nba

#include "stream/kafka_producer.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "stream/kafka_properties.h"

namespace nba {
namespace {

// One ProduceAndWait call: counts the reports still expected and keeps the
// first error. Each queued message holds a reference, so a report that
// arrives after the caller gave up never touches freed memory.
struct Pending {
  std::mutex mu;
  std::condition_variable cv;
  size_t remaining = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

}  // namespace

Status KafkaProducer::Open(const KafkaOptions& options, std::unique_ptr<KafkaProducer>* out) {
  if (options.brokers.empty()) return Status::InvalidArgument("kafka.brokers: must not be empty");
  std::unique_ptr<KafkaProducer> p(new KafkaProducer(options));
  NBA_RETURN_IF_ERROR(p->CreateHandle(&p->rk_));
  p->poller_ = std::thread([raw = p.get()] { raw->PollLoop(); });
  *out = std::move(p);
  return Status::Ok();
}

Status KafkaProducer::CreateHandle(rd_kafka_t** out) {
  KafkaProperties props;
  props.Set("bootstrap.servers", options_.brokers);
  props.Set("client.id", options_.client_id);
  props.Set("enable.idempotence", "true");
  props.Set("acks", "all");
  props.Set("linger.ms", std::to_string(options_.linger_ms));
  props.Set("compression.type", options_.compression);
  props.Set("message.timeout.ms", std::to_string(options_.delivery_timeout_ms));
  props.Set("queue.buffering.max.messages", "1000000");
  for (const auto& [k, v] : options_.properties) props.Set(k, v);
  rd_kafka_conf_t* conf = nullptr;
  NBA_RETURN_IF_ERROR(props.Build(&conf));
  rd_kafka_conf_set_dr_msg_cb(conf, &KafkaProducer::OnDelivery);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::InvalidArgument(std::string("kafka producer: ") + err);
  }
  *out = rk;
  return Status::Ok();
}

KafkaProducer::~KafkaProducer() {
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  if (rk_ != nullptr) {
    rd_kafka_flush(rk_, options_.delivery_timeout_ms);
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_, 0);
    rd_kafka_destroy(rk_);
  }
}

void KafkaProducer::PollLoop() {
  while (!stop_.load(std::memory_order_relaxed)) {
    std::shared_lock lock(handle_mu_);
    rd_kafka_poll(rk_, 50);
  }
}

void KafkaProducer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  auto* ref = static_cast<std::shared_ptr<Pending>*>(msg->_private);
  Pending& p = **ref;
  {
    std::lock_guard lock(p.mu);
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR && p.first_error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      p.first_error = msg->err;
    }
    if (--p.remaining == 0) p.cv.notify_all();
  }
  delete ref;
}

int64_t KafkaProducer::in_flight() const {
  std::shared_lock lock(handle_mu_);
  return rd_kafka_outq_len(rk_);
}

Status KafkaProducer::ProduceAndWait(const std::string& topic, std::span<const KafkaMessage> messages) {
  auto pending = std::make_shared<Pending>();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.delivery_timeout_ms);
  rd_kafka_resp_err_t queue_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  rd_kafka_t* used = nullptr;
  {
    std::shared_lock lock(handle_mu_);
    used = rk_;
    for (const KafkaMessage& m : messages) {
      {
        std::lock_guard plock(pending->mu);
        ++pending->remaining;
      }
      auto* ref = new std::shared_ptr<Pending>(pending);
      rd_kafka_resp_err_t err;
      for (;;) {
        err = rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic.c_str()),
                                RD_KAFKA_V_KEY(const_cast<char*>(m.key.data()), m.key.size()),
                                RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(ref), RD_KAFKA_V_END);
        // A full queue is back-pressure: wait for room, within the deadline.
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        delete ref;
        std::lock_guard plock(pending->mu);
        --pending->remaining;
        queue_error = err;
        break;
      }
    }
  }
  rd_kafka_resp_err_t err;
  {
    // librdkafka reports every message by message.timeout.ms, but with a
    // broker gone mid-request it can take longer; the caller's answer does
    // not wait past the deadline (a late success is a duplicate, deduped).
    std::unique_lock plock(pending->mu);
    const bool reported = pending->cv.wait_until(plock, deadline + std::chrono::milliseconds(500),
                                                 [&] { return pending->remaining == 0; });
    err = queue_error != RD_KAFKA_RESP_ERR_NO_ERROR ? queue_error
          : !reported                              ? RD_KAFKA_RESP_ERR__MSG_TIMED_OUT
                                                   : pending->first_error;
  }
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  errors_.fetch_add(1, std::memory_order_relaxed);
  char fatal[512];
  if (rd_kafka_fatal_error(used, fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR) ReplaceHandleAfterFatalError(used);
  return Status::Unavailable("kafka: " + topic + ": " + rd_kafka_err2str(err));
}

void KafkaProducer::ReplaceHandleAfterFatalError(rd_kafka_t* failed) {
  std::unique_lock lock(handle_mu_);
  if (rk_ != failed) return;  // another caller replaced it already
  rd_kafka_t* fresh = nullptr;
  if (!CreateHandle(&fresh).ok()) return;  // keep the failed one; later calls fail and retry this
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  while (rd_kafka_outq_len(rk_) > 0) rd_kafka_poll(rk_, 10);
  rd_kafka_destroy(rk_);
  rk_ = fresh;
}

}  // namespace nba

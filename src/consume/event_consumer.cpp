#include "consume/event_consumer.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "core/clock.h"
#include "ingest/event_record.h"
#include "lake/lake_record.h"

namespace nba {
namespace {

FeatureChange ToChange(const LogRecord& r) {
  FeatureChange c;
  c.user_id = r.user_id;
  switch (r.kind) {
    case RecordKind::kEvent:
      c.kind = FeatureChange::kEvent;
      c.event_id = r.event.event_id;
      c.event = ToUserEvent(r.event);
      break;
    case RecordKind::kProfile:
      c.kind = FeatureChange::kProfile;
      c.profile = r.profile;
      break;
    case RecordKind::kErase:
      c.kind = FeatureChange::kErase;
      break;
  }
  return c;
}

}  // namespace

EventConsumer::EventConsumer(const EventConsumerOptions& options, const KafkaOptions& kafka, RedisFeatureStore* store,
                             LakeWriter* lake, MetricsRegistry* metrics)
    : options_(options), kafka_(kafka), store_(store), lake_(lake) {
  events_ = metrics->AddCounter("nba_consume_events_total", "Records consumed from Kafka and applied.")->Get();
  duplicates_ =
      metrics->AddCounter("nba_consume_duplicates_total", "Events skipped as already applied (same event id).")->Get();
  no_consent_ =
      metrics->AddCounter("nba_consume_no_consent_total", "Events dropped: the user's profile says consent=false.")
          ->Get();
  corrupt_ = metrics->AddCounter("nba_consume_corrupt_total", "Kafka messages that are not event records.")->Get();
  redis_retries_ = metrics->AddCounter("nba_consume_redis_retries_total", "Batches retried because Redis failed.")->Get();
  lag_ = metrics->AddGauge("nba_consume_lag", "Messages behind the end of the assigned partitions.")->Get();
  max_lag_ = metrics->AddGauge("nba_consume_max_lag", "Largest lag seen since start.")->Get();
  assigned_ = metrics->AddGauge("nba_consume_assigned_partitions", "Partitions this worker consumes now.")->Get();
}

void EventConsumer::OnAssigned(const std::vector<TopicPartition>& parts) {
  for (const TopicPartition& tp : parts) {
    int64_t next = -1;
    Status s = lake_->Recover(tp.partition, &next);
    if (!s.ok() && rebalance_error_.ok()) rebalance_error_ = s;
  }
}

Status EventConsumer::Run(const std::atomic<bool>* stop) {
  RebalanceListener listener;
  listener.on_assigned = [this](const std::vector<TopicPartition>& parts) { OnAssigned(parts); };
  // Before a partition moves to another member, what was consumed of it is
  // made durable and committed, so the new owner starts after it.
  listener.on_revoked = [this, stop](const std::vector<TopicPartition>&) {
    Status s = Flush(stop);
    if (!s.ok() && rebalance_error_.ok()) rebalance_error_ = s;
  };
  KafkaOptions kafka = kafka_;
  // A worker killed -9 holds its partitions until the broker misses its
  // heartbeats this long: shorter than Kafka's 45 s default, so its records
  // resume on the others soon.
  kafka.properties.emplace("session.timeout.ms", "10000");
  kafka.properties.emplace("heartbeat.interval.ms", "2000");
  NBA_RETURN_IF_ERROR(KafkaConsumer::Open(kafka, options_.group_id, {options_.topic}, listener, &consumer_));
  int64_t flushed_at = SteadyMs();
  double max_lag = 0;
  Status result;
  while (!stop->load()) {
    std::vector<ConsumedMessage> messages;
    Status s = consumer_->Poll(options_.batch_max_events, options_.batch_max_ms, &messages);
    if (!s.ok()) {
      result = s;
      break;
    }
    if (!rebalance_error_.ok()) {
      result = rebalance_error_;
      break;
    }
    if (!messages.empty() && !(s = Apply(messages, stop)).ok()) {
      result = s;
      break;
    }
    if (buffered_count_ >= options_.lake_flush_events || SteadyMs() - flushed_at >= options_.lake_flush_ms) {
      if (!(s = Flush(stop)).ok()) {
        result = s;
        break;
      }
      flushed_at = SteadyMs();
    }
    assigned_->Set(static_cast<double>(consumer_->Assignment().size()));
    const double lag = static_cast<double>(consumer_->Lag());
    lag_->Set(lag);
    if (lag > max_lag) max_lag_->Set(max_lag = lag);
  }
  if (result.ok()) result = Flush(stop);
  consumer_.reset();  // leaves the group (a rebalance flushes nothing more: the buffers are empty)
  return result;
}

Status EventConsumer::Apply(const std::vector<ConsumedMessage>& messages, const std::atomic<bool>* stop) {
  std::vector<FeatureChange> changes;
  std::vector<LakeEntry> entries;
  changes.reserve(messages.size());
  entries.reserve(messages.size());
  for (const ConsumedMessage& m : messages) {
    next_offsets_[m.partition] = std::max(next_offsets_[m.partition], m.offset + 1);
    LakeEntry e;
    Status s = DecodeRecord(m.value, &e.record);
    if (!s.ok()) {
      corrupt_->Inc();
      std::fprintf(stderr, "nba consume: partition %d offset %lld skipped: %s\n", m.partition,
                   static_cast<long long>(m.offset), s.ToString().c_str());
      continue;
    }
    // The lake files profiles and erasures under the message time; a message
    // without one gets the time it was consumed.
    e.ts_ms = m.timestamp_ms >= 0 ? m.timestamp_ms : NowMs();
    e.partition = m.partition;
    e.offset = m.offset;
    changes.push_back(ToChange(e.record));
    entries.push_back(std::move(e));
  }
  std::vector<ApplyOutcome> outcomes;
  for (;;) {
    Status s = store_->ApplyBatch(changes, &outcomes);
    if (s.ok()) break;
    // Redis down: nothing is committed, the lag grows; retry (the batch is
    // deduped by event id, so a half-applied batch applies once in effect).
    redis_retries_->Inc();
    if (stop->load()) return Status::Unavailable("stopped while Redis failed: " + s.message());
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_ms));
  }
  std::string line;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (outcomes[i] == ApplyOutcome::kNoConsent) {
      no_consent_->Inc();
      continue;
    }
    if (outcomes[i] == ApplyOutcome::kDuplicate) duplicates_->Inc();
    // A record the lake cannot store (say, a context that is not a JSON
    // object from an older writer) is reported and left out, rather than
    // failing every later batch.
    line.clear();
    if (Status s = EncodeLakeLine(entries[i], &line); !s.ok()) {
      corrupt_->Inc();
      std::fprintf(stderr, "nba consume: partition %d offset %lld not written to the lake: %s\n",
                   entries[i].partition, static_cast<long long>(entries[i].offset), s.ToString().c_str());
      continue;
    }
    buffered_[entries[i].partition].push_back(std::move(entries[i]));
    ++buffered_count_;
  }
  events_->Inc(messages.size());
  return Status::Ok();
}

Status EventConsumer::Flush(const std::atomic<bool>* stop) {
  for (auto& [partition, entries] : buffered_) {
    if (entries.empty()) continue;
    for (;;) {
      Status s = lake_->WriteBatch(partition, entries);
      if (s.ok()) break;
      if (s.code() == Status::Code::kInvalidArgument) return s;
      std::fprintf(stderr, "nba consume: lake: %s (retrying)\n", s.ToString().c_str());
      if (stop->load()) return s;  // uncommitted: redelivered to the next run
      std::this_thread::sleep_for(std::chrono::milliseconds(options_.retry_ms));
    }
    entries.clear();
  }
  buffered_count_ = 0;
  std::vector<TopicPartition> offsets;
  for (const auto& [partition, next] : next_offsets_) offsets.push_back({options_.topic, partition, next});
  if (offsets.empty() || consumer_ == nullptr) return Status::Ok();
  Status s = consumer_->Commit(offsets);
  // A failed commit only means redelivery (deduped); the lake is already durable.
  if (!s.ok()) std::fprintf(stderr, "nba consume: %s\n", s.ToString().c_str());
  next_offsets_.clear();
  return Status::Ok();
}

}  // namespace nba

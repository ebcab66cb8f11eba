#include "stream/kafka_sink.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "core/clock.h"
#include "core/coding.h"
#include "registry/file_util.h"

namespace nba {
Status KafkaSink::Open(const KafkaSinkOptions& options, KafkaProducer* producer, std::unique_ptr<KafkaSink>* out) {
  if (options.topic.empty()) return Status::InvalidArgument("kafka.events_topic: must not be empty");
  std::unique_ptr<KafkaSink> sink(new KafkaSink(options, producer));
  if (options.spool) {
    if (options.spool_dir.empty()) return Status::InvalidArgument("kafka spool: no directory");
    sink->cursor_path_ = std::filesystem::path(options.spool_dir).string() + ".cursor";
    std::string text;
    if (std::filesystem::exists(sink->cursor_path_)) {
      NBA_RETURN_IF_ERROR(ReadFileToString(sink->cursor_path_, &text));
      try {
        sink->cursor_ = std::stoull(text);
      } catch (const std::exception&) {
        return Status::Corruption(sink->cursor_path_ + ": not a sequence number: '" + text + "'");
      }
    }
    NBA_RETURN_IF_ERROR(sink->OpenSpool());
    const uint64_t last = sink->spool_->recovery().next_seq - 1;
    if (last > sink->cursor_) {
      sink->spooling_ = true;
      sink->spooled_ = last - sink->cursor_;
    }
    sink->forwarder_ = std::thread([raw = sink.get()] { raw->ForwardLoop(); });
  }
  *out = std::move(sink);
  return Status::Ok();
}

KafkaSink::~KafkaSink() { Stop(); }

void KafkaSink::Stop() {
  {
    std::lock_guard lock(wake_mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (forwarder_.joinable()) forwarder_.join();
}

Status KafkaSink::OpenSpool() {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(options_.spool_dir).parent_path(), ec);
  EventLogOptions o;
  o.dir = options_.spool_dir;
  return EventLog::Open(o, &spool_);
}

void KafkaSink::Register(HttpService* service) {
  MetricsRegistry& m = service->metrics();
  produce_errors_ = m.AddCounter("nba_kafka_produce_errors_total", "Requests whose records Kafka did not acknowledge.")
                        ->Get();
  spooled_gauge_ = m.AddGauge("nba_kafka_spooled_events", "Records in the local spool waiting for Kafka.")->Get();
  spooled_gauge_->Set(static_cast<double>(spooled()));
  service->readiness().AddCheck("kafka", [this] { return Health(); });
}

Status KafkaSink::Health() const {
  if (options_.spool) {
    std::shared_lock lock(spool_mu_);
    return spool_ != nullptr ? spool_->Health() : Status::IOError("kafka spool " + options_.spool_dir + ": not open");
  }
  const int64_t failed = failed_at_ms_.load(std::memory_order_relaxed);
  if (failed >= 0 && SteadyMs() - failed < options_.retry_ms) {
    return Status::Unavailable("kafka did not acknowledge the last records");
  }
  return Status::Ok();
}

Status KafkaSink::Append(std::span<const std::string_view> records, std::span<const std::string_view> keys) {
  if (!spooling_.load()) {
    if (!options_.spool) {
      const int64_t failed = failed_at_ms_.load(std::memory_order_relaxed);
      if (failed >= 0 && SteadyMs() - failed < options_.retry_ms) {
        return Status::Unavailable("kafka is unavailable (last failure " + std::to_string(SteadyMs() - failed) +
                                   " ms ago)");
      }
    }
    std::vector<KafkaMessage> messages(records.size());
    for (size_t i = 0; i < records.size(); ++i) messages[i] = {keys[i], records[i]};
    Status s = producer_->ProduceAndWait(options_.topic, messages);
    if (s.ok()) return s;
    if (produce_errors_ != nullptr) produce_errors_->Inc();
    failed_at_ms_.store(SteadyMs(), std::memory_order_relaxed);
    if (!options_.spool) return s;
    spooling_.store(true);
    wake_.notify_all();
  }
  std::shared_lock lock(spool_mu_);
  return SpoolAppend(records, keys);
}

// Spool records are the Kafka key, length-prefixed, then the record.
Status KafkaSink::SpoolAppend(std::span<const std::string_view> records, std::span<const std::string_view> keys) {
  std::vector<std::string> framed(records.size());
  std::vector<std::string_view> views(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    PutLengthPrefixed(&framed[i], keys[i]);
    framed[i].append(records[i]);
    views[i] = framed[i];
  }
  if (spool_ == nullptr) return Status::IOError("kafka spool " + options_.spool_dir + ": not open");
  uint64_t first = 0;
  NBA_RETURN_IF_ERROR(spool_->Append(views, &first));
  const uint64_t n = spooled_.fetch_add(records.size(), std::memory_order_relaxed) + records.size();
  if (spooled_gauge_ != nullptr) spooled_gauge_->Set(static_cast<double>(n));
  return Status::Ok();
}

Status KafkaSink::SaveCursor(uint64_t seq) { return WriteFileAtomic(cursor_path_, std::to_string(seq)); }

bool KafkaSink::ForwardBatch(bool* drained) {
  *drained = false;
  if (spool_ == nullptr && !OpenSpool().ok()) return false;
  std::vector<std::string> keys, values;
  uint64_t last = cursor_;
  Status s = spool_->ReadAll(cursor_ + 1, [&](uint64_t seq, std::string_view record) {
    Decoder in(record);
    std::string_view key = in.GetLengthPrefixed();
    if (!in.ok()) return false;
    keys.emplace_back(key);
    values.emplace_back(record.substr(in.pos()));
    last = seq;
    return keys.size() < options_.forward_batch;
  });
  if (!s.ok()) return false;
  if (keys.empty()) {
    *drained = true;
    return true;
  }
  std::vector<KafkaMessage> messages(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) messages[i] = {keys[i], values[i]};
  if (!producer_->ProduceAndWait(options_.topic, messages).ok()) return false;
  if (!SaveCursor(last).ok()) return false;
  cursor_ = last;
  const uint64_t n = spooled_.fetch_sub(keys.size(), std::memory_order_relaxed) - keys.size();
  if (spooled_gauge_ != nullptr) spooled_gauge_->Set(static_cast<double>(n));
  return true;
}

void KafkaSink::ForwardLoop() {
  for (;;) {
    {
      std::unique_lock lock(wake_mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(options_.retry_ms), [this] { return stop_; });
      if (stop_) return;
    }
    // Records can sit in the spool with spooling_ false: appends that passed
    // the check while the spool was being emptied.
    if (!spooling_.load() && spooled() == 0) continue;
    bool drained = false;
    while (!drained && ForwardBatch(&drained)) {
      std::lock_guard lock(wake_mu_);
      if (stop_) return;
    }
    if (!drained) continue;  // Kafka failed: retry after retry_ms
    // Drained: new records go to Kafka again. Appends already past the check
    // finish into the spool; with them shut out (briefly: no Kafka call under
    // the lock), empty the spool, or go on forwarding when some arrived
    // (cursor first: a crash in between re-forwards, which the consumer
    // dedupes, rather than skipping records).
    spooling_.store(false);
    std::unique_lock exclusive(spool_mu_);
    uint64_t next_seq = 0;
    if (!spool_->Append({}, &next_seq).ok() || next_seq - 1 != cursor_ || !SaveCursor(0).ok()) {
      spooling_.store(true);
      continue;
    }
    spool_.reset();
    std::error_code ec;
    std::filesystem::remove_all(options_.spool_dir, ec);
    cursor_ = 0;
    if (!OpenSpool().ok()) {
      // Health() reports it; spooling fails (503) until a later try opens it.
      spool_.reset();
      std::fprintf(stderr, "kafka spool %s cannot be reopened\n", options_.spool_dir.c_str());
    }
  }
}

}  // namespace nba

#include "engine/replica.h"

#include <cstdio>
#include <thread>

#include "core/clock.h"
#include "stream/kafka_consumer.h"
#include "stream/kafka_topics.h"

namespace nba {

KafkaOptions KafkaOptionsFrom(const ServerConfig& config) {
  KafkaOptions o;
  o.brokers = config.kafka.brokers;
  o.linger_ms = config.kafka.linger_ms;
  o.compression = config.kafka.compression;
  o.delivery_timeout_ms = config.kafka.delivery_timeout_ms;
  return o;
}

Status RedisClientFrom(const ServerConfig& config, size_t pool_size, std::shared_ptr<RedisClient>* out) {
  RedisClientOptions o;
  Status s = ParseRedisAddress(config.redis.address, &o);
  if (!s.ok()) return Status::InvalidArgument("redis.address: " + s.message());
  o.password = config.redis.password;
  o.connect_timeout_ms = config.redis.timeout_ms;
  o.command_timeout_ms = config.redis.timeout_ms;
  o.pool_size = pool_size;
  *out = std::make_shared<RedisClient>(o);
  return Status::Ok();
}

Status Replica::Open(const ServerConfig& config, const std::string& spool_dir, std::unique_ptr<Replica>* out) {
  std::unique_ptr<Replica> r(new Replica(config));
  const KafkaOptions kafka = KafkaOptionsFrom(config);
  NBA_RETURN_IF_ERROR(EnsureTopic(kafka, config.kafka.events_topic, config.kafka.events_partitions, {}));
  // One partition: every replica applies catalogue changes in one order.
  NBA_RETURN_IF_ERROR(EnsureTopic(kafka, config.kafka.catalog_topic, 1, {{"cleanup.policy", "compact"}}));
  NBA_RETURN_IF_ERROR(KafkaProducer::Open(kafka, &r->producer_));
  KafkaSinkOptions sink;
  sink.topic = config.kafka.events_topic;
  sink.spool = config.kafka.on_unavailable == "spool";
  sink.spool_dir = spool_dir;
  NBA_RETURN_IF_ERROR(KafkaSink::Open(sink, r->producer_.get(), &r->sink_));

  const size_t threads = config.threads > 0 ? static_cast<size_t>(config.threads) : std::thread::hardware_concurrency();
  NBA_RETURN_IF_ERROR(RedisClientFrom(config, threads + 2, &r->redis_));
  RedisFeatureStoreOptions store;
  store.key_prefix = config.redis.key_prefix;
  store.max_events = static_cast<size_t>(config.serving.feature_max_events);
  store.local_cache_ms = config.redis.local_cache_ms;
  r->features_ = std::make_unique<RedisFeatureStore>(r->redis_, store);
  RedisCacheOptions cache;
  cache.key_prefix = config.redis.key_prefix + "rec:";
  cache.ttl_ms = config.redis.cache_ttl_ms;
  r->cache_ = std::make_unique<RedisCache>(r->redis_, cache);
  *out = std::move(r);
  return Status::Ok();
}

Replica::~Replica() { Stop(); }

void Replica::Register(HttpService* service) {
  sink_->Register(service);
  RedisFeatureStore* store = features_.get();
  RedisCache* cache = cache_.get();
  Gauge* errors =
      service->metrics().AddGauge("nba_redis_errors_total", "Failed Redis calls of the feature store and the cache.")->Get();
  service->metrics().AddCollector(
      [store, cache, errors] { errors->Set(static_cast<double>(store->errors() + cache->errors())); });
}

Status Replica::FollowCatalog(Catalog* catalog) {
  KafkaProducer* producer = producer_.get();
  const std::string topic = config_.kafka.catalog_topic;
  catalog->SetPublisher([producer, topic](const std::vector<std::string>& records) {
    std::vector<KafkaMessage> messages;
    for (const std::string& r : records) messages.push_back({"catalog", r});
    return producer->ProduceAndWait(topic, messages);
  });
  follower_ = std::thread([this, catalog] { FollowLoop(catalog); });
  return Status::Ok();
}

bool Replica::Pause(int ms) {
  std::unique_lock lock(stop_mu_);
  return !stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_; });
}

void Replica::FollowTrending(Recommender* rec, double half_life_hours, size_t top_size, int refresh_ms) {
  trending_ = std::thread([this, rec, half_life_hours, top_size, refresh_ms] {
    do {
      std::vector<TrendingItem> top;
      // Redis down: keep the last ranking.
      if (features_->TrendingTop(NowMs(), half_life_hours, top_size, &top).ok()) rec->ReplaceTrending(std::move(top));
    } while (Pause(refresh_ms));
  });
}

void Replica::FollowLoop(Catalog* catalog) {
  std::unique_ptr<KafkaConsumer> consumer;
  while (Pause(0)) {
    if (consumer == nullptr) {
      Status s = KafkaConsumer::Open(KafkaOptionsFrom(config_), "", {config_.kafka.catalog_topic}, {}, &consumer);
      if (!s.ok()) {
        std::fprintf(stderr, "catalogue follower: %s (retrying)\n", s.ToString().c_str());
        consumer.reset();
        Pause(1000);
        continue;
      }
    }
    std::vector<ConsumedMessage> messages;
    if (!consumer->Poll(1000, 100, &messages).ok()) continue;
    for (const ConsumedMessage& m : messages) {
      Status s = catalog->ApplyPublished(m.value);
      if (!s.ok()) std::fprintf(stderr, "catalogue follower: offset %lld: %s\n", static_cast<long long>(m.offset),
                                s.ToString().c_str());
    }
  }
}

void Replica::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (follower_.joinable()) follower_.join();
  if (trending_.joinable()) trending_.join();
  if (sink_ != nullptr) sink_->Stop();
}

}  // namespace nba

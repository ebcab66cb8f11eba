// Replica: what makes `nba serve` a stateless replica of the distributed
// mode (mode: distributed). Events go to Kafka through a KafkaSink (with its
// durable spool), user state is read from Redis (RedisFeatureStore, with a
// short local cache), recommendations are shared through Redis (RedisCache),
// and catalogue changes travel on their own topic: Put/Delete publish to it,
// and every replica, this one included, applies what it reads from it
// (FollowCatalog), so all replicas converge on the same catalogue.
#pragma once

#include <condition_variable>
#include <mutex>
#include <memory>
#include <string>
#include <thread>

#include "catalog/catalog.h"
#include "recommend/recommender.h"
#include "redis/redis_cache.h"
#include "redis/redis_client.h"
#include "redis/redis_feature_store.h"
#include "server/config.h"
#include "server/http_service.h"
#include "stream/kafka_producer.h"
#include "stream/kafka_sink.h"

namespace nba {

// The Kafka options of a config (shared by nba serve and nba consume).
KafkaOptions KafkaOptionsFrom(const ServerConfig& config);
// The Redis client of a config; InvalidArgument naming redis.address.
Status RedisClientFrom(const ServerConfig& config, size_t pool_size, std::shared_ptr<RedisClient>* out);

class Replica {
 public:
  // Creates the topics when missing, connects the producer and opens the
  // spool under `spool_dir`. Redis need not be up (reads then fall back).
  static Status Open(const ServerConfig& config, const std::string& spool_dir, std::unique_ptr<Replica>* out);
  ~Replica();  // Stop()

  RecordSink* sink() { return sink_.get(); }
  const FeatureStore* features() const { return features_.get(); }
  SharedCache* cache() { return cache_.get(); }

  // Adds the Kafka metrics and readiness check, and nba_redis_errors_total.
  void Register(HttpService* service);
  // Routes `catalog`'s changes through the catalogue topic and applies the
  // topic to it from a background thread (from the topic's beginning).
  Status FollowCatalog(Catalog* catalog);
  // Every refresh_ms, replaces `rec`'s trending fallback with the ranking
  // Redis holds (counted by nba consume over every event, decayed by
  // half_life_hours), so every replica offers the same, complete trending.
  void FollowTrending(Recommender* rec, double half_life_hours, size_t top_size, int refresh_ms = 2000);
  // Stops following and forwarding; flushes the producer.
  void Stop();

 private:
  explicit Replica(const ServerConfig& config) : config_(config) {}
  void FollowLoop(Catalog* catalog);
  // Sleeps up to ms unless stopping; false when stopping.
  bool Pause(int ms);

  const ServerConfig config_;
  std::unique_ptr<KafkaProducer> producer_;
  std::unique_ptr<KafkaSink> sink_;
  std::shared_ptr<RedisClient> redis_;
  std::unique_ptr<RedisFeatureStore> features_;
  std::unique_ptr<RedisCache> cache_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread follower_;
  std::thread trending_;
};

}  // namespace nba

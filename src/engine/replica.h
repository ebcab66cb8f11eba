// Replica: what makes `nba serve` a stateless replica of the distributed
// mode (mode: distributed). Events go to Kafka through a KafkaSink (with its
// durable spool), user state is read from Redis (RedisFeatureStore, with a
// short local cache), recommendations are shared through Redis (RedisCache),
// and catalogue changes travel on their own topic: Put/Delete publish to it,
// and every replica, this one included, applies what it reads from it
// (FollowCatalog), so all replicas converge on the same catalogue.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "catalog/catalog.h"
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
  // Stops following and forwarding; flushes the producer.
  void Stop();

 private:
  explicit Replica(const ServerConfig& config) : config_(config) {}
  void FollowLoop(Catalog* catalog);

  const ServerConfig config_;
  std::unique_ptr<KafkaProducer> producer_;
  std::unique_ptr<KafkaSink> sink_;
  std::shared_ptr<RedisClient> redis_;
  std::unique_ptr<RedisFeatureStore> features_;
  std::unique_ptr<RedisCache> cache_;
  std::atomic<bool> stop_{false};
  std::thread follower_;
};

}  // namespace nba

// nba consume: a worker of the distributed mode's consumer group. It applies
// the events topic to the Redis feature store and writes the data lake
// (consume/event_consumer.h), and serves /healthz, /readyz and /metrics on
// consume.metrics_port. SIGINT/SIGTERM: finish the batch, flush the lake,
// commit, leave the group.
#include <csignal>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cli/commands.h"
#include "cli/config_flags.h"
#include "consume/event_consumer.h"
#include "engine/replica.h"
#include "server/http_server.h"
#include "server/http_service.h"

namespace nba::cli {
namespace {

Status Consume(const ServerConfig& config) {
  if (config.kafka.brokers.empty()) return Status::InvalidArgument("kafka.brokers: required by nba consume");
  std::shared_ptr<RedisClient> redis;
  NBA_RETURN_IF_ERROR(RedisClientFrom(config, 4, &redis));
  RedisFeatureStoreOptions store_options;
  store_options.key_prefix = config.redis.key_prefix;
  store_options.max_events = static_cast<size_t>(config.serving.feature_max_events);
  RedisFeatureStore store(redis, store_options);

  std::filesystem::path lake_dir(config.consume.lake_dir);
  if (lake_dir.is_relative()) lake_dir = std::filesystem::path(config.data_dir) / lake_dir;
  std::unique_ptr<LakeWriter> lake;
  NBA_RETURN_IF_ERROR(LakeWriter::Open(lake_dir.string(), config.kafka.events_topic, &lake));

  // /healthz, /readyz (Redis answers) and /metrics on their own small server.
  ServerConfig http = config;
  http.port = config.consume.metrics_port;
  http.threads = 1;
  http.access_log = "off";
  http.api_keys.clear();
  http.jwt = {};
  std::unique_ptr<HttpService> service;
  NBA_RETURN_IF_ERROR(HttpService::Create(http, &service));
  service->readiness().AddCheck("redis", [redis] {
    RedisReply reply;
    return redis->Command({"PING"}, &reply);
  });
  HttpServer server(http, service.get());
  NBA_RETURN_IF_ERROR(server.Start());

  EventConsumerOptions options;
  options.topic = config.kafka.events_topic;
  options.group_id = config.consume.group_id;
  options.batch_max_events = static_cast<size_t>(config.consume.batch_max_events);
  options.batch_max_ms = config.consume.batch_max_ms;
  EventConsumer consumer(options, KafkaOptionsFrom(config), &store, lake.get(), &service->metrics());

  // SIGINT/SIGTERM only set the flag; the loop sees it between batches.
  static std::atomic<bool> stop{false};
  std::signal(SIGINT, [](int) { stop = true; });
  std::signal(SIGTERM, [](int) { stop = true; });
  std::fprintf(stderr, "nba consume: group %s, topic %s, lake %s, metrics on port %d\n", options.group_id.c_str(),
               options.topic.c_str(), lake_dir.c_str(), server.port());
  Status s = consumer.Run(&stop);
  server.Shutdown();
  server.Wait();
  return s;
}

}  // namespace

void AddConsumeCommand(CLI::App& app) {
  auto f = std::make_shared<ConfigFlags>();
  CLI::App* cmd = app.add_subcommand("consume", "Apply the Kafka events topic to Redis and the data lake");
  AddConfigFlags(cmd, f,
                 {{"--data-dir", "data_dir", "Where a relative lake directory lives"},
                  {"--kafka", "kafka.brokers", "Kafka bootstrap servers"},
                  {"--redis", "redis.address", "Redis host:port"},
                  {"--lake", "consume.lake_dir", "Data lake directory"},
                  {"--group", "consume.group_id", "Kafka consumer group"},
                  {"--metrics-port", "consume.metrics_port", "Port of /healthz, /readyz, /metrics (0: any)"}});
  cmd->callback([f] {
    ServerConfig config;
    CheckOk(BuildConfig(*f, &config));
    CheckOk(Consume(config));
  });
}

}  // namespace nba::cli

// ServerConfig: everything `nba serve` reads at start-up, layered as
//   defaults < YAML file < NBA_* environment < command-line flags.
// LoadConfig applies the first three; the CLI applies flags with
// ApplyOverride, then calls ValidateConfig for the checks that span keys.
//
// Keys are dotted paths into the YAML document ("server.port"); the
// environment name of a key is NBA_ + the key upper-cased with '.' -> '_'
// (NBA_SERVER_PORT, NBA_AUTH_JWT_SECRET, NBA_FEATURES_MODEL_ENABLED).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"

namespace nba {

struct ApiKeyConfig {
  std::string name;
  std::string sha256_hex;           // SHA-256 of the key, 64 lower-case hex digits
  std::vector<std::string> scopes;  // "ingest", "recommend", "admin"
};

struct JwtConfig {
  std::string algorithm;       // "" (JWT off), "HS256" or "RS256"
  std::string secret;          // HS256 shared secret
  std::string public_key_pem;  // RS256 public key
};

struct RateLimitConfig {
  double requests_per_second = 0;  // per credential; 0 turns the limit off
  int burst = 0;
};

// What the serving components (ingest, feature store, recommender) are sized by.
struct ServingConfig {
  std::string registry_dir = ".nba/registry";  // the model registry `nba train` writes
  int ingest_workers = 64;          // threads waiting on the event log's fsync
  int feature_max_events = 200;     // recent events kept per user
  int snapshot_interval_s = 300;    // feature-store snapshot period; 0: only at shutdown
  int cache_entries = 200000;       // recommendation cache (LRU) size; 0 disables it
  double time_budget_ms = 50;       // slower inference is answered by the fallback
  double trending_half_life_hours = 6;
  std::string audit_log = "audit.jsonl";  // relative paths are under data_dir
  // Event names accepted besides view, click, add_to_cart and purchase, each
  // stored as one of the engine's kinds: "wishlist=interaction,impression=view".
  std::vector<std::pair<std::string, std::string>> extra_event_types;
};

// Distributed mode: where events go (Kafka) and where user state lives (Redis).
struct KafkaConfig {
  std::string brokers;                      // "host:port,host:port"
  std::string events_topic = "nba.events";  // key = user id
  std::string catalog_topic = "nba.catalog";
  int events_partitions = 8;                // when nba creates the topic
  int linger_ms = 5;
  std::string compression = "lz4";          // none, gzip, snappy, lz4, zstd
  int delivery_timeout_ms = 5000;           // longer without Kafka's ack: spool or 503
  std::string on_unavailable = "spool";     // "spool" (durable local spool) or "reject" (503)
};

struct RedisConfig {
  std::string address = "127.0.0.1:6379";
  std::string password;
  std::string key_prefix = "nba:";
  int local_cache_ms = 100;   // replicas may answer from user state this old
  int cache_ttl_ms = 60000;   // shared recommendation cache entries
  int timeout_ms = 200;       // connect and command timeout
};

struct ConsumeConfig {
  std::string group_id = "nba-consume";
  std::string lake_dir = "lake";  // relative paths are under data_dir
  int batch_max_events = 10000;
  int batch_max_ms = 100;
  int metrics_port = 9100;        // /healthz, /readyz, /metrics of nba consume
};

using FeatureValue = std::variant<bool, std::string>;

struct ServerConfig {
  std::string address = "0.0.0.0";
  int port = 8080;
  int threads = 0;                    // 0: one per hardware thread
  int64_t max_body_bytes = 1 << 20;   // larger bodies get 413
  int64_t max_header_bytes = 16 << 10;  // larger headers get 431
  int read_timeout_ms = 10000;
  int write_timeout_ms = 10000;
  int shutdown_timeout_ms = 30000;    // in-flight requests get this long on SIGTERM
  std::string access_log = "stderr";  // "stderr", "off" or a file path
  std::string data_dir = "data";
  // "embedded" (one process: event log + memory feature store) or
  // "distributed" (events to Kafka, user state in Redis).
  std::string mode = "embedded";
  ServingConfig serving;
  KafkaConfig kafka;
  RedisConfig redis;
  ConsumeConfig consume;
  std::vector<ApiKeyConfig> api_keys;
  JwtConfig jwt;
  RateLimitConfig rate_limit;
  std::vector<std::string> cors_allowed_origins;  // "*" allows any origin
  // Open set of switches for other modules: model_enabled, cache_enabled,
  // fallback_strategy, filters_enabled, ...
  std::map<std::string, FeatureValue> features;

  // The feature's value, or `fallback` when it is unset or of the other type.
  bool FeatureFlag(const std::string& name, bool fallback) const;
  std::string FeatureString(const std::string& name, const std::string& fallback) const;
};

// Reads `yaml_path` (skipped when empty) over the defaults, then applies the
// NBA_* entries of `env`. Errors name the file, line and key, or the
// environment variable, and the reason.
Status LoadConfig(const std::string& yaml_path, const std::map<std::string, std::string>& env,
                  ServerConfig* config);

// Sets one scalar key from its text form ("server.port", "9090"). Lists
// (cors.allowed_origins) take comma-separated values; auth.jwt.public_key_file
// reads the PEM file. Fails on an unknown key, a wrong type or a value out of
// range, naming the key.
Status ApplyOverride(const std::string& key, const std::string& value, ServerConfig* config);

// Checks that span keys (JWT algorithm vs key material, rate limit burst,
// duplicate API keys). Run after the last override.
Status ValidateConfig(const ServerConfig& config);

// The environment as a map, for LoadConfig.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace nba

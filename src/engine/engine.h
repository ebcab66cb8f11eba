// Engine: one `nba serve` process in one object. Embedded (the default), it
// opens the event log, rebuilds the feature store, opens the catalogue, the
// model registry and the audit log, and puts ingest, catalogue,
// recommendation and admin routes on one HttpService. `nba serve` and
// `nba demo` both run one. With mode: distributed it is a stateless replica
// instead: events to Kafka, user state and a shared cache in Redis, the
// catalogue from its topic (engine/replica.h).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "catalog/catalog.h"
#include "engine/replica.h"
#include "features/memory_feature_store.h"
#include "ingest/ingest_service.h"
#include "recommend/audit_log.h"
#include "recommend/model_manager.h"
#include "recommend/recommender.h"
#include "registry/registry.h"
#include "server/http_server.h"
#include "server/http_service.h"
#include "storage/event_log.h"

namespace nba {

class Engine {
 public:
  // Opens every store under config.data_dir (created when missing) and
  // registers the routes. Fails, naming the file, on damaged state.
  static Status Open(const ServerConfig& config, std::unique_ptr<Engine>* out);
  ~Engine();

  // Binds the port and serves until Shutdown() or SIGINT/SIGTERM; then
  // finishes in-flight requests, snapshots the feature store and closes the
  // logs. SIGHUP re-reads `config_path` and applies its feature flags.
  // `on_started`, when given, runs once the port is open; its error stops
  // the server and is returned.
  Status Serve(const std::string& config_path, const std::function<Status()>& on_started = nullptr);
  // Starts serving in the background (tests, demo); port() tells the port.
  Status Start();
  int port() const { return server_->port(); }
  void Shutdown() { server_->Shutdown(); }
  void Wait();

  HttpService& service() { return *service_; }
  Recommender& recommender() { return *recommender_; }
  ModelManager& models() { return *models_; }
  Catalog& catalog() { return *catalog_; }

 private:
  explicit Engine(const ServerConfig& config) : config_(config) {}
  std::string DataPath(const std::string& name) const;
  bool distributed() const { return config_.mode == "distributed"; }
  // Embedded: the event log and the feature store rebuilt from it.
  Status OpenEmbeddedState();
  Status WarmTrending(Recommender* rec);
  void SnapshotLoop();
  void Close();

  ServerConfig config_;
  std::unique_ptr<HttpService> service_;
  std::unique_ptr<EventLog> event_log_;
  std::unique_ptr<MemoryFeatureStore> features_;  // embedded
  std::unique_ptr<Replica> replica_;              // distributed
  const FeatureStore* feature_reader_ = nullptr;  // features_ or the replica's Redis store
  std::unique_ptr<IngestService> ingest_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<ModelRegistry> registry_;
  std::unique_ptr<ModelManager> models_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Recommender> recommender_;
  std::unique_ptr<HttpServer> server_;

  std::mutex snapshot_mu_;
  std::condition_variable snapshot_cv_;
  bool started_ = false;
  bool closing_ = false;
  bool closed_ = false;
  std::thread snapshot_thread_;
};

}  // namespace nba

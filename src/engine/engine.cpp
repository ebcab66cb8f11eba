#include "engine/engine.h"

#include <cblas.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>

#include "ingest/replay.h"
#include "catalog/catalog_routes.h"
#include "recommend/flags.h"
#include "web/demo_key.h"
#include "web/demo_routes.h"

namespace nba {

namespace fs = std::filesystem;

std::string Engine::DataPath(const std::string& name) const {
  fs::path p(name);
  return p.is_absolute() ? name : (fs::path(config_.data_dir) / p).string();
}

Status Engine::Open(const ServerConfig& config, std::unique_ptr<Engine>* out) {
  // Each request runs its forward pass on its own io thread: BLAS must not
  // start threads of its own on top.
  openblas_set_num_threads(1);
  std::error_code ec;
  fs::create_directories(config.data_dir, ec);
  if (ec) return Status::IOError("data_dir " + config.data_dir + ": " + ec.message());

  std::unique_ptr<Engine> e(new Engine(config));
  // The demo shop (features.demo: true) gets a key of its own, with the
  // scopes a page may hold: see web/demo_key.h.
  std::string demo_key;
  if (config.FeatureFlag("demo", false)) {
    NBA_RETURN_IF_ERROR(LoadOrCreateDemoKey(e->DataPath("demo.key"), &demo_key));
    e->config_.api_keys.push_back({"demo-shop", Sha256Hex(demo_key), {"ingest", "recommend"}});
  }
  NBA_RETURN_IF_ERROR(HttpService::Create(e->config_, &e->service_));

  IngestOptions ingest_options;
  ingest_options.workers = config.serving.ingest_workers;
  for (const auto& [name, kind] : config.serving.extra_event_types) {
    EventType type;
    ParseEventType(kind, &type);  // validated with the config
    ingest_options.schema.event_types[name] = type;
  }
  if (e->distributed()) {
    NBA_RETURN_IF_ERROR(Replica::Open(config, e->DataPath("spool"), &e->replica_));
    e->replica_->Register(e->service_.get());
    e->feature_reader_ = e->replica_->features();
    e->ingest_ = std::make_unique<IngestService>(ingest_options, e->replica_->sink(), e->feature_reader_);
  } else {
    NBA_RETURN_IF_ERROR(e->OpenEmbeddedState());
    e->feature_reader_ = e->features_.get();
    e->ingest_ = std::make_unique<IngestService>(ingest_options, e->event_log_.get(), e->features_.get());
  }
  NBA_RETURN_IF_ERROR(e->ingest_->Register(e->service_.get()));

  if (e->distributed()) {
    // A replica's catalogue is rebuilt from the catalogue topic at every
    // start, so every replica applies the same changes from the same start
    // (and its version, a cache-key part, agrees with the others').
    fs::remove_all(e->DataPath("catalog-replica"), ec);
    NBA_RETURN_IF_ERROR(Catalog::Open(e->DataPath("catalog-replica"), &e->catalog_));
    NBA_RETURN_IF_ERROR(e->replica_->FollowCatalog(e->catalog_.get()));
  } else {
    NBA_RETURN_IF_ERROR(Catalog::Open(e->DataPath("catalog"), &e->catalog_));
  }
  NBA_RETURN_IF_ERROR(AddCatalogRoutes(e->catalog_.get(), e->service_.get()));
  if (!demo_key.empty()) {
    DemoOptions demo;
    demo.api_key = demo_key;
    const Catalog* catalog = e->catalog_.get();
    demo.catalog_json = [catalog] {
      nlohmann::json items = nlohmann::json::array();
      catalog->ForEach([&items](const Item& item) { items.push_back(ItemToJson(item)); });
      return nlohmann::json{{"items", std::move(items)}}.dump();
    };
    NBA_RETURN_IF_ERROR(AddDemoRoutes(e->service_.get(), demo));
  }

  NBA_RETURN_IF_ERROR(ModelRegistry::Open(config.serving.registry_dir, &e->registry_));
  NBA_RETURN_IF_ERROR(ModelManager::Open(e->registry_.get(), &e->service_->metrics(), &e->models_));
  NBA_RETURN_IF_ERROR(e->models_->AddRoutes(e->service_.get()));

  AuditLogOptions audit_options;
  audit_options.path = e->DataPath(config.serving.audit_log);
  NBA_RETURN_IF_ERROR(AuditLog::Open(audit_options, &e->audit_));

  RecommendFlags flags;
  NBA_RETURN_IF_ERROR(RecommendFlags::FromConfig(config, &flags));
  RecommenderOptions rec_options;
  rec_options.cache_entries = static_cast<size_t>(config.serving.cache_entries);
  rec_options.time_budget_ms = config.serving.time_budget_ms;
  rec_options.trending.half_life_hours = config.serving.trending_half_life_hours;
  e->recommender_ = std::make_unique<Recommender>(rec_options, flags, e->catalog_.get(), e->models_.get(),
                                                  e->feature_reader_, e->audit_.get(), &e->service_->metrics());
  NBA_RETURN_IF_ERROR(e->recommender_->AddRoutes(e->service_.get()));
  Recommender* rec = e->recommender_.get();
  if (e->distributed()) {
    // Trending comes from Redis, where nba consume counts every event.
    rec->SetSharedCache(e->replica_->cache());
    e->replica_->FollowTrending(rec, config.serving.trending_half_life_hours, rec_options.trending.top_size);
  } else {
    e->ingest_->AddListener([rec](const std::string& user, const UserEvent& event) { rec->OnEvent(user, event); });
    NBA_RETURN_IF_ERROR(e->WarmTrending(rec));
  }

  e->server_ = std::make_unique<HttpServer>(e->config_, e->service_.get());
  Engine* self = e.get();
  e->server_->OnShutdown([self] { self->Close(); });
  *out = std::move(e);
  return Status::Ok();
}

Status Engine::OpenEmbeddedState() {
  EventLogOptions log_options;
  log_options.dir = DataPath("events");
  NBA_RETURN_IF_ERROR(EventLog::Open(log_options, &event_log_));
  const RecoveryReport& recovery = event_log_->recovery();
  if (recovery.bytes_cut > 0)
    std::fprintf(stderr, "event log: cut a torn tail of %llu bytes: %s\n",
                 static_cast<unsigned long long>(recovery.bytes_cut), recovery.detail.c_str());

  MemoryFeatureStoreOptions store_options;
  store_options.max_events = static_cast<size_t>(config_.serving.feature_max_events);
  features_ = std::make_unique<MemoryFeatureStore>(store_options);
  RebuildReport rebuilt;
  NBA_RETURN_IF_ERROR(RebuildFeatures(DataPath("features.snap"), *event_log_, features_.get(), &rebuilt));
  std::fprintf(stderr, "feature store: %zu users (snapshot %s, %llu log records replayed)\n", features_->num_users(),
               rebuilt.snapshot_loaded ? "loaded" : "absent", static_cast<unsigned long long>(rebuilt.replayed));
  return Status::Ok();
}

// The trending fallback lives in memory only: after a restart it would offer
// cold-start visitors nothing until new events arrive. It is warmed from the
// log's most recent events instead (bounded, so a start stays fast).
Status Engine::WarmTrending(Recommender* rec) {
  constexpr uint64_t kWarmRecords = 1000000;
  const uint64_t next = event_log_->recovery().next_seq;
  const uint64_t from = next > kWarmRecords ? next - kWarmRecords : 1;
  return ReadVisibleRecords(*event_log_, from, [rec](uint64_t, const LogRecord& r) {
    if (r.kind == RecordKind::kEvent) rec->OnEvent(r.user_id, ToUserEvent(r.event));
    return true;
  });
}

Engine::~Engine() {
  if (started_) {
    server_->Shutdown();
    Wait();
  }
}

Status Engine::Start() {
  NBA_RETURN_IF_ERROR(server_->Start());
  started_ = true;
  if (!distributed() && config_.serving.snapshot_interval_s > 0) snapshot_thread_ = std::thread([this] { SnapshotLoop(); });
  return Status::Ok();
}

void Engine::Wait() {
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    if (closed_) return;
  }
  server_->Wait();
}

void Engine::SnapshotLoop() {
  std::unique_lock<std::mutex> lock(snapshot_mu_);
  while (!closing_) {
    if (snapshot_cv_.wait_for(lock, std::chrono::seconds(config_.serving.snapshot_interval_s),
                              [this] { return closing_; }))
      break;
    lock.unlock();
    Status s = ingest_->Snapshot(DataPath("features.snap"));
    if (!s.ok()) std::fprintf(stderr, "feature snapshot failed: %s\n", s.ToString().c_str());
    lock.lock();
  }
}

// Runs once every connection is closed: nothing can ingest any more.
void Engine::Close() {
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    closing_ = true;
  }
  snapshot_cv_.notify_all();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  ingest_->Stop();
  if (distributed()) {
    replica_->Stop();
  } else {
    Status s = ingest_->Snapshot(DataPath("features.snap"));
    if (!s.ok()) std::fprintf(stderr, "feature snapshot at shutdown failed: %s\n", s.ToString().c_str());
    event_log_->Close();
  }
  audit_->Close();
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  closed_ = true;
}

Status Engine::Serve(const std::string& config_path, const std::function<Status()>& on_started) {
  // SIGHUP is taken by a watcher thread; block it before any thread starts
  // so that no other thread receives it.
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);
  NBA_RETURN_IF_ERROR(Start());
  server_->ShutdownOnSignals();
  std::fprintf(stderr, "nba serve: listening on %s:%d\n", config_.address.c_str(), port());
  Status started = on_started ? on_started() : Status::Ok();
  if (!started.ok()) server_->Shutdown();

  std::thread reloader([this, hup, config_path] {
    const timespec tick{0, 200 * 1000 * 1000};
    while (true) {
      {
        std::lock_guard<std::mutex> lock(snapshot_mu_);
        if (closing_) return;
      }
      if (sigtimedwait(&hup, nullptr, &tick) != SIGHUP) continue;
      ServerConfig reloaded;
      RecommendFlags flags;
      Status s = LoadConfig(config_path, ProcessEnvironment(), &reloaded);
      if (s.ok()) s = RecommendFlags::FromConfig(reloaded, &flags);
      if (!s.ok()) {
        std::fprintf(stderr, "SIGHUP: config not reloaded: %s\n", s.ToString().c_str());
        continue;
      }
      recommender_->SetFlags(flags);
      std::fprintf(stderr, "SIGHUP: feature flags reloaded from %s\n",
                   config_path.empty() ? "the environment" : config_path.c_str());
    }
  });
  Wait();
  reloader.join();
  return started;
}

}  // namespace nba

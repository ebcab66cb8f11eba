// ModelManager: the model the recommender serves, and the admin routes that
// change it without a restart.
//
// The registry's production version is loaded at Open(). Promote and
// Rollback load the new engine first and then swap one shared_ptr: a request
// holds the model it started with until it ends, so requests in flight finish
// on the old model and none ever sees a half-loaded one. An empty registry is
// not an error: Current() is null, the recommender serves its fallback and
// /readyz reports "model: no model loaded" (503), as the serving issue defines
// readiness as "model loaded".
//
// Routes (scope admin):
//   GET  /v1/admin/models                    versions, production marked, current one served
//   POST /v1/admin/models/{version}/promote  404 unknown version, 409 damaged artefact
//   POST /v1/admin/models/rollback           404 when there is no earlier promotion
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "data/dataset.h"
#include "inference/sasrec_engine.h"
#include "registry/registry.h"
#include "server/http_service.h"
#include "server/metrics.h"

namespace nba {

// One loaded, immutable model version.
struct ServingModel {
  std::string version;  // "0003"
  std::unique_ptr<SasRecEngine> engine;
  IdMap items{1};       // external id <-> dense id of the model's vocabulary
};

class ModelManager {
 public:
  // Loads the production version of `registry` when there is one. Both
  // pointers must outlive the manager. Fails when the production artefact
  // cannot be loaded (a damaged model must not start silently on fallback).
  static Status Open(ModelRegistry* registry, MetricsRegistry* metrics, std::unique_ptr<ModelManager>* out);

  // The model to serve now; null when none is loaded. Cheap: one atomic load.
  std::shared_ptr<const ServingModel> Current() const { return current_.load(std::memory_order_acquire); }

  // Loads `version`, makes it production in the registry, then serves it.
  Status Promote(const std::string& version);
  // Returns production to the previous promotion and serves it; *version is it.
  Status Rollback(std::string* version);

  // The admin routes above and the readiness check "model".
  Status AddRoutes(HttpService* service);

 private:
  ModelManager(ModelRegistry* registry, MetricsRegistry* metrics);
  Status Load(const std::string& version, std::shared_ptr<ServingModel>* out) const;
  void Serve(std::shared_ptr<const ServingModel> model);
  Response List() const;

  ModelRegistry* registry_;
  GaugeFamily* version_gauge_;
  std::mutex admin_mu_;  // one promote / rollback at a time
  std::atomic<std::shared_ptr<const ServingModel>> current_;
};

}  // namespace nba

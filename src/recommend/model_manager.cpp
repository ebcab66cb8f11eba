#include "recommend/model_manager.h"

#include <nlohmann/json.hpp>

#include "registry/artefact.h"
#include "registry/model_config.h"

namespace nba {

ModelManager::ModelManager(ModelRegistry* registry, MetricsRegistry* metrics)
    : registry_(registry),
      version_gauge_(metrics->AddGauge("nba_model_version", "1 for the model version being served, 0 for earlier ones",
                                       {"version"})) {}

Status ModelManager::Open(ModelRegistry* registry, MetricsRegistry* metrics, std::unique_ptr<ModelManager>* out) {
  std::unique_ptr<ModelManager> m(new ModelManager(registry, metrics));
  std::string version;
  Status s = registry->Production(&version);
  if (s.ok()) {
    std::shared_ptr<ServingModel> model;
    NBA_RETURN_IF_ERROR(m->Load(version, &model));
    m->Serve(std::move(model));
  } else if (s.code() != Status::Code::kNotFound) {
    return s;
  }
  *out = std::move(m);
  return Status::Ok();
}

Status ModelManager::Load(const std::string& version, std::shared_ptr<ServingModel>* out) const {
  Artefact a;
  NBA_RETURN_IF_ERROR(registry_->Load(version, &a));
  ModelConfig config;
  NBA_RETURN_IF_ERROR(ModelConfig::FromJson(a.config, &config));
  if (static_cast<int64_t>(a.items.size()) != config.num_items) {
    return Status::Corruption("model " + version + ": items.txt has " + std::to_string(a.items.size()) +
                              " items, config.json says " + std::to_string(config.num_items));
  }
  auto model = std::make_shared<ServingModel>();
  NBA_RETURN_IF_ERROR(SasRecEngine::Create(config, a.weights, &model->engine));
  model->items = std::move(a.items);
  model->version = version;
  *out = std::move(model);
  return Status::Ok();
}

void ModelManager::Serve(std::shared_ptr<const ServingModel> model) {
  std::shared_ptr<const ServingModel> old = current_.exchange(model, std::memory_order_acq_rel);
  if (old) version_gauge_->Get({old->version})->Set(0);
  version_gauge_->Get({model->version})->Set(1);
}

Status ModelManager::Promote(const std::string& version) {
  std::lock_guard<std::mutex> lock(admin_mu_);
  std::shared_ptr<ServingModel> model;
  NBA_RETURN_IF_ERROR(Load(version, &model));
  NBA_RETURN_IF_ERROR(registry_->Promote(version));
  NBA_RETURN_IF_ERROR(registry_->Production(&model->version));  // "3" -> "0003"
  Serve(std::move(model));
  return Status::Ok();
}

Status ModelManager::Rollback(std::string* version) {
  std::lock_guard<std::mutex> lock(admin_mu_);
  NBA_RETURN_IF_ERROR(registry_->Rollback(version));
  std::shared_ptr<ServingModel> model;
  NBA_RETURN_IF_ERROR(Load(*version, &model));
  Serve(std::move(model));
  return Status::Ok();
}

Response ModelManager::List() const {
  std::vector<VersionInfo> versions;
  if (Status s = registry_->List(&versions); !s.ok()) return ErrorResponse(500, "registry", s.message());
  std::shared_ptr<const ServingModel> current = Current();
  nlohmann::json list = nlohmann::json::array();
  for (const VersionInfo& v : versions) {
    nlohmann::json j = {{"version", v.version}, {"created", v.created}, {"production", v.production}};
    j["ndcg_at_10"] = v.ndcg_at_10 ? nlohmann::json(*v.ndcg_at_10) : nlohmann::json(nullptr);
    if (!v.status.ok()) j["error"] = v.status.message();
    list.push_back(std::move(j));
  }
  nlohmann::json body = {{"serving", current ? nlohmann::json(current->version) : nlohmann::json(nullptr)},
                         {"versions", std::move(list)}};
  return Response::Json(200, body.dump());
}

namespace {

Response AdminError(const Status& s) {
  if (s.code() == Status::Code::kNotFound) return ErrorResponse(404, "not_found", s.message(), "version");
  if (s.code() == Status::Code::kInvalidArgument) return ErrorResponse(400, "invalid_version", s.message(), "version");
  return ErrorResponse(409, "model_unusable", s.message(), "version");
}

}  // namespace

Status ModelManager::AddRoutes(HttpService* service) {
  NBA_RETURN_IF_ERROR(service->AddRoute("GET", "/v1/admin/models", Scope::kAdmin,
                                        [this](const Request&) { return List(); }));
  NBA_RETURN_IF_ERROR(service->AddRoute("POST", "/v1/admin/models/{version}/promote", Scope::kAdmin,
                                        [this](const Request& req) {
                                          Status s = Promote(*req.PathParam("version"));
                                          if (!s.ok()) return AdminError(s);
                                          return Response::Json(200, nlohmann::json{{"serving", Current()->version}}.dump());
                                        }));
  NBA_RETURN_IF_ERROR(service->AddRoute("POST", "/v1/admin/models/rollback", Scope::kAdmin,
                                        [this](const Request&) {
                                          std::string version;
                                          Status s = Rollback(&version);
                                          if (!s.ok()) return AdminError(s);
                                          return Response::Json(200, nlohmann::json{{"serving", version}}.dump());
                                        }));
  service->readiness().AddCheck("model", [this] {
    return Current() ? Status::Ok() : Status::Unavailable("no model loaded (serving the fallback)");
  });
  return Status::Ok();
}

}  // namespace nba

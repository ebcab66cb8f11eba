#include "recommend/recommender.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "server/json_text.h"

namespace nba {
namespace {

constexpr int kMaxK = 100;
constexpr size_t kMaxSequence = 1000;
const char* const kStrategies[] = {"model",          "fallback:no_model", "fallback:cold_start",
                                   "fallback:error", "fallback:timeout",  "fallback:store_unavailable"};

void AppendNumber(std::string* out, double v) {
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "%.6g", std::isfinite(v) ? v : 0.0);
  out->append(buf, static_cast<size_t>(n));
}

void AppendStringOrNull(std::string* out, const std::string& s) {
  if (s.empty()) {
    out->append("null");
  } else {
    AppendJsonString(out, s);
  }
}

// "k" as an integer in 1..kMaxK.
bool ParseK(const std::string& text, int* k) {
  if (text.empty() || text.size() > 3) return false;
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > kMaxK) return false;
  *k = v;
  return true;
}

Response BadK() {
  return ErrorResponse(400, "invalid_request", "k must be an integer in 1.." + std::to_string(kMaxK), "k");
}

}  // namespace

// What the business filters let through for one request.
struct Recommender::Filter {
  const RecommendFlags* flags;
  int age;
  const std::string* category;  // null: any
  uint32_t category_index;      // of *category in the item table; UINT32_MAX: no model item has it

  bool Pass(const ItemAttrs& a) const {
    if (category != nullptr && a.category != category_index) return false;
    if (!flags->filters_enabled) return true;
    if (!a.listed) return false;
    if (flags->filter_stock && !a.available) return false;
    if (flags->filter_age && a.min_age > 0 && (age < 0 || age < a.min_age)) return false;
    return true;
  }
  // For items outside the model's vocabulary (fallback candidates).
  bool Pass(const Item* item) const {
    if (category != nullptr && (item == nullptr || item->category != *category)) return false;
    if (!flags->filters_enabled) return true;
    if (item == nullptr || !item->active || !(item->price > 0)) return false;
    if (flags->filter_stock && !item->Available()) return false;
    if (flags->filter_age && item->min_age > 0 && (age < 0 || age < item->min_age)) return false;
    return true;
  }
  bool Purchased(const RecommendQuery& q, const std::string& id) const {
    return flags->filters_enabled && flags->filter_purchased &&
           std::binary_search(q.purchased.begin(), q.purchased.end(), id);
  }
};

Recommender::Recommender(const RecommenderOptions& options, const RecommendFlags& flags, const Catalog* catalog,
                         const ModelManager* models, const FeatureStore* features, AuditLog* audit,
                         MetricsRegistry* metrics)
    : options_(options),
      catalog_(catalog),
      models_(models),
      features_(features),
      audit_(audit),
      trending_(options.trending),
      cache_(options.cache_entries),
      flags_(std::make_shared<const RecommendFlags>(flags)) {
  by_strategy_ = metrics->AddCounter("nba_recommendations_total", "Recommendations served, by strategy", {"strategy"});
  fallbacks_ = metrics->AddCounter("nba_fallbacks_total", "Recommendations answered by the fallback, by reason",
                                   {"reason"});
  for (const char* s : kStrategies) {
    Counter* fallback = std::string_view(s).starts_with("fallback:") ? fallbacks_->Get({std::string(s + 9)}) : nullptr;
    counters_.emplace(s, std::make_pair(by_strategy_->Get({s}), fallback));
  }
  cache_hits_ = metrics->AddCounter("nba_cache_hits_total", "Recommendation cache hits")->Get();
  cache_misses_ = metrics->AddCounter("nba_cache_misses_total", "Recommendation cache misses")->Get();
  inference_seconds_ = metrics
                           ->AddHistogram("nba_inference_seconds", "Model inference (encode + score) per request",
                                          DefaultLatencyBuckets())
                           ->Get();
}

void Recommender::OnEvent(const std::string& user_id, const UserEvent& event) {
  trending_.Add(event.item_id, event.type, event.ts_ms);
}

void Recommender::SetFlags(const RecommendFlags& flags) {
  flags_.store(std::make_shared<const RecommendFlags>(flags), std::memory_order_release);
}

std::shared_ptr<const ItemTable> Recommender::TableFor(const std::shared_ptr<const ServingModel>& model) {
  auto fresh = [&](const std::shared_ptr<const TableEntry>& e) {
    return e && e->model == model && e->table->catalog_version() == catalog_->version();
  };
  std::shared_ptr<const TableEntry> e = table_.load(std::memory_order_acquire);
  if (fresh(e)) return e->table;
  std::lock_guard<std::mutex> lock(table_mu_);
  e = table_.load(std::memory_order_acquire);
  if (fresh(e)) return e->table;
  auto next = std::make_shared<TableEntry>();
  next->model = model;
  next->table = ItemTable::Build(*catalog_, model->items);
  table_.store(next, std::memory_order_release);
  return next->table;
}

bool Recommender::RankWithModel(const RecommendQuery& q, const ServingModel& model, const ItemTable& table,
                                const Filter& filter, Recommendation* out, const char** reason) {
  thread_local std::vector<Interaction> history;
  thread_local std::vector<float> hidden, scores;
  thread_local std::vector<std::pair<uint32_t, float>> top;
  history.clear();
  for (const UserEvent& e : q.events) {
    uint32_t dense;
    if (model.items.Find(e.item_id, &dense)) history.push_back({dense, e.type, e.ts_ms});
  }
  if (history.empty()) {
    *reason = "cold_start";
    return false;
  }
  const SasRecEngine& engine = *model.engine;
  auto start = std::chrono::steady_clock::now();
  try {
    hidden.resize(static_cast<size_t>(engine.hidden()));
    scores.resize(static_cast<size_t>(engine.score_width()));
    engine.EncodeLast(history, hidden.data());
    engine.ScoreItems(hidden.data(), 1, scores.data());
  } catch (const std::exception&) {
    *reason = "error";
    return false;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  inference_seconds_->Observe(seconds);
  if (!std::all_of(hidden.begin(), hidden.end(), [](float v) { return std::isfinite(v); })) {
    *reason = "error";
    return false;
  }
  if (options_.time_budget_ms > 0 && seconds * 1e3 > options_.time_budget_ms) {
    *reason = "timeout";
    return false;
  }
  constexpr float kExcluded = -std::numeric_limits<float>::infinity();
  const std::vector<ItemAttrs>& attrs = table.attrs();
  for (size_t i = 1; i < scores.size(); ++i) {
    if (!filter.Pass(attrs[i])) scores[i] = kExcluded;
  }
  if (filter.flags->filters_enabled && filter.flags->filter_purchased) {
    for (const std::string& id : q.purchased) {
      uint32_t dense;
      if (model.items.Find(id, &dense)) scores[dense] = kExcluded;
    }
  }
  engine.TopK(scores.data(), q.k, {}, &top);
  for (const auto& [dense, score] : top) {
    if (score == kExcluded) break;
    out->items.push_back({model.items.External(dense), score, "model"});
  }
  return true;
}

void Recommender::FillFromFallback(const RecommendQuery& q, const ServingModel* model, const ItemTable* table,
                                   const Filter& filter, Recommendation* out) {
  if (filter.flags->fallback_strategy == "none") return;
  std::shared_ptr<const std::vector<TrendingItem>> top = trending_.Top();
  for (const TrendingItem& t : *top) {
    if (out->items.size() >= static_cast<size_t>(q.k)) break;
    if (filter.Purchased(q, t.item_id)) continue;
    if (std::any_of(out->items.begin(), out->items.end(), [&](const RankedItem& r) { return r.item_id == t.item_id; })) {
      continue;
    }
    uint32_t dense;
    bool pass;
    if (model != nullptr && model->items.Find(t.item_id, &dense)) {
      pass = filter.Pass(table->attrs()[dense]);
    } else {
      Item item;
      pass = filter.Pass(catalog_->Get(t.item_id, &item) ? &item : nullptr);
    }
    if (pass) out->items.push_back({t.item_id, t.score, "popular"});
  }
}

std::shared_ptr<const Recommendation> Recommender::Recommend(const RecommendQuery& q, bool* cached) {
  *cached = false;
  std::shared_ptr<const RecommendFlags> flags = this->flags();
  std::shared_ptr<const ServingModel> model = flags->model_enabled ? models_->Current() : nullptr;
  std::shared_ptr<const ItemTable> table = model ? TableFor(model) : nullptr;

  Filter filter{flags.get(), q.age, q.category.empty() ? nullptr : &q.category, 0};
  if (table && filter.category && !table->FindCategory(q.category, &filter.category_index)) {
    filter.category_index = std::numeric_limits<uint32_t>::max();
  }

  std::string key;
  const bool cacheable = flags->cache_enabled && model && !q.user_id.empty() && !q.features_unavailable;
  if (cacheable) {
    key = q.user_id;
    key += '\x1f' + std::to_string(q.features_version) + '\x1f' + std::to_string(table->catalog_version()) + '\x1f' +
           model->version + '\x1f' + std::to_string(q.k) + '\x1f' + q.category + '\x1f' + flags->CacheKey();
    if (std::shared_ptr<const Recommendation> hit = cache_.Get(key)) {
      cache_hits_->Inc();
      *cached = true;
      return hit;
    }
    if (std::shared_ptr<const Recommendation> hit = FromSharedCache(key)) {
      cache_.Put(key, hit);
      cache_hits_->Inc();
      *cached = true;
      return hit;
    }
    cache_misses_->Inc();
  }

  auto rec = std::make_shared<Recommendation>();
  const char* reason = q.features_unavailable ? "store_unavailable" : "no_model";
  if (model && !q.features_unavailable && RankWithModel(q, *model, *table, filter, rec.get(), &reason)) {
    rec->strategy = "model";
    rec->model_version = model->version;
    FillFromFallback(q, model.get(), table.get(), filter, rec.get());
    if (cacheable) {
      cache_.Put(key, rec);
      if (shared_ != nullptr) shared_->Put(key, EncodeRecommendation(*rec));
    }
  } else {
    rec->strategy = std::string("fallback:") + reason;
    if (model) rec->model_version = model->version;
    FillFromFallback(q, model.get(), table.get(), filter, rec.get());
    counters_.find(rec->strategy)->second.second->Inc();
  }
  return rec;
}

std::shared_ptr<const Recommendation> Recommender::FromSharedCache(const std::string& key) {
  if (shared_ == nullptr) return nullptr;
  std::string encoded;
  if (!shared_->Get(key, &encoded)) return nullptr;
  auto rec = std::make_shared<Recommendation>();
  return DecodeRecommendation(encoded, rec.get()) ? rec : nullptr;
}

Response Recommender::Serve(const Request& req, const RecommendQuery& q) {
  bool cached = false;
  std::shared_ptr<const Recommendation> rec = Recommend(q, &cached);
  counters_.find(rec->strategy)->second.first->Inc();

  std::string items = "[";
  for (const RankedItem& it : rec->items) {
    if (items.size() > 1) items += ',';
    items += "{\"item_id\":";
    AppendJsonString(&items, it.item_id);
    items += ",\"score\":";
    AppendNumber(&items, it.score);
    items += ",\"reason\":\"";
    items += it.reason;
    items += "\"}";
  }
  items += ']';
  std::string body = "{\"request_id\":";
  AppendJsonString(&body, req.request_id);
  body += ",\"user_id\":";
  AppendStringOrNull(&body, q.user_id);
  body += ",\"items\":" + items + ",\"model_version\":";
  AppendStringOrNull(&body, rec->model_version);
  body += ",\"strategy\":\"" + rec->strategy + "\",\"cached\":" + (cached ? "true" : "false") + "}";

  std::string line = "{\"ts\":" + std::to_string(NowMs()) + ",";
  line.append(body, 1);
  audit_->Append(std::move(line));
  return Response::Json(200, std::move(body));
}

Response Recommender::HandleGet(const Request& req) {
  RecommendQuery q;
  const std::string* user = req.Query("user_id");
  if (user == nullptr || user->empty()) return ErrorResponse(400, "invalid_request", "user_id is required", "user_id");
  if (user->size() > 256) return ErrorResponse(400, "invalid_request", "user_id is longer than 256 bytes", "user_id");
  q.user_id = *user;
  if (const std::string* k = req.Query("k"); k != nullptr && !ParseK(*k, &q.k)) return BadK();
  if (const std::string* c = req.Query("category")) q.category = *c;
  UserFeatures f;
  bool found = false;
  if (!features_->Lookup(q.user_id, &f, &found).ok()) {
    q.features_unavailable = true;
  } else if (found) {
    q.events = std::move(f.recent);
    q.purchased = std::move(f.purchased);
    q.age = f.has_profile ? f.profile.age : -1;
    q.features_version = f.version;
  }
  return Serve(req, q);
}

Response Recommender::HandlePost(const Request& req) {
  nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return ErrorResponse(400, "malformed_json", "body is not valid JSON");
  if (!j.is_object()) return ErrorResponse(400, "invalid_request", "body must be a JSON object", "body");
  RecommendQuery q;
  for (const auto& [key, v] : j.items()) {
    if (key == "k") {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > kMaxK) return BadK();
      q.k = v.get<int>();
    } else if (key == "category") {
      if (!v.is_string()) return ErrorResponse(400, "invalid_request", "must be a string", "category");
      q.category = v.get<std::string>();
    } else if (key == "sequence") {
      if (!v.is_array()) return ErrorResponse(400, "invalid_request", "must be an array of events", "sequence");
      if (v.size() > kMaxSequence) {
        return ErrorResponse(400, "invalid_request", "at most " + std::to_string(kMaxSequence) + " events",
                             "sequence");
      }
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string at = "sequence[" + std::to_string(i) + "]";
        const nlohmann::json& e = v[i];
        if (!e.is_object() || !e.contains("item_id") || !e["item_id"].is_string() ||
            e["item_id"].get<std::string>().empty()) {
          return ErrorResponse(400, "invalid_request", "item_id must be a non-empty string", at + ".item_id");
        }
        UserEvent ev;
        ev.item_id = e["item_id"].get<std::string>();
        if (e.contains("event_type")) {
          if (!e["event_type"].is_string() || !ParseEventType(e["event_type"].get<std::string>(), &ev.type)) {
            return ErrorResponse(400, "invalid_request", "unknown event type", at + ".event_type");
          }
        }
        if (ev.type == EventType::kPurchase) q.purchased.push_back(ev.item_id);
        q.events.push_back(std::move(ev));
      }
    } else {
      return ErrorResponse(400, "invalid_request", "unknown field", key);
    }
  }
  std::sort(q.purchased.begin(), q.purchased.end());
  q.purchased.erase(std::unique(q.purchased.begin(), q.purchased.end()), q.purchased.end());
  return Serve(req, q);
}

Status Recommender::AddRoutes(HttpService* service) {
  NBA_RETURN_IF_ERROR(service->AddRoute("GET", "/v1/recommendations", Scope::kRecommend,
                                        [this](const Request& r) { return HandleGet(r); }));
  NBA_RETURN_IF_ERROR(service->AddRoute("POST", "/v1/recommendations", Scope::kRecommend,
                                        [this](const Request& r) { return HandlePost(r); }));
  NBA_RETURN_IF_ERROR(service->AddRoute("GET", "/v1/admin/flags", Scope::kAdmin,
                                        [this](const Request&) { return Response::Json(200, flags()->ToJson().dump()); }));
  NBA_RETURN_IF_ERROR(service->AddRoute("PUT", "/v1/admin/flags", Scope::kAdmin, [this](const Request& r) {
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded()) return ErrorResponse(400, "malformed_json", "body is not valid JSON");
    std::lock_guard<std::mutex> lock(flags_mu_);
    RecommendFlags next = *flags();
    std::string field;
    if (Status s = next.Update(j, &field); !s.ok()) return ErrorResponse(400, "invalid_flag", s.message(), field);
    SetFlags(next);
    return Response::Json(200, next.ToJson().dump());
  }));
  return Status::Ok();
}

}  // namespace nba

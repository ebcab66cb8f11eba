// Recommender: GET/POST /v1/recommendations, the business filters, the
// fallback, the cache and the audit trail.
//
// One request, on the io thread that received it (no hand-off):
//   flags snapshot -> model snapshot -> user features -> cache lookup ->
//   model: map recent events to dense ids, EncodeLast + ScoreItems
//          (thread-local buffers), mask what the filters exclude, TopK,
//          fill from the fallback when fewer than k remain;
//   or the fallback alone: no model ("fallback:no_model"), no known item in
//          the history ("fallback:cold_start"), a non-finite or throwing
//          model ("fallback:error"), inference past the time budget
//          ("fallback:timeout"), a feature store that cannot be asked
//          ("fallback:store_unavailable") -> answer, metrics, audit line.
// With a SharedCache (the distributed mode's Redis), a local miss asks it
// before ranking, and a ranked answer is put in both.
// A failing model therefore never becomes a 5xx.
//
// Batching concurrent requests: not done. Per request the model costs one
// EncodeLast (tens of µs) and one 12k-row ScoreItems; batching would save
// part of the latter (sasrec_engine.h measured 21 vs 98 µs per row) but
// adds a queue wait to every request and a hand-off between threads, and the
// cache answers repeat requests anyway. Worth revisiting under measured load.
//
// Filters (each a flag, see flags.h): the item must be in the catalogue,
// active and priced > 0; in stock; within the user's age (unknown age:
// no age-restricted item); not already purchased; of the requested category.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"
#include "features/feature_store.h"
#include "recommend/audit_log.h"
#include "recommend/flags.h"
#include "recommend/item_table.h"
#include "recommend/model_manager.h"
#include "recommend/recommendation.h"
#include "recommend/recommendation_cache.h"
#include "recommend/shared_cache.h"
#include "recommend/trending.h"
#include "server/http_service.h"
#include "server/metrics.h"

namespace nba {

struct RecommenderOptions {
  TrendingOptions trending;
  size_t cache_entries = 200000;
  double time_budget_ms = 50;  // inference slower than this is answered by the fallback; 0: no budget
};

// What one recommendation is asked for, from the query or the POST body.
struct RecommendQuery {
  std::string user_id;             // "" for an anonymous session (never cached)
  std::vector<UserEvent> events;   // chronological
  std::vector<std::string> purchased;  // sorted, unique
  int age = -1;                    // -1: unknown
  uint64_t features_version = 0;   // the user's FeatureStore version (cache key)
  bool features_unavailable = false;  // the store could not be asked: fallback, not cached
  int k = 10;
  std::string category;            // "" for any
};

class Recommender {
 public:
  // Every pointer must outlive the recommender.
  Recommender(const RecommenderOptions& options, const RecommendFlags& flags, const Catalog* catalog,
              const ModelManager* models, const FeatureStore* features, AuditLog* audit, MetricsRegistry* metrics);

  // GET and POST /v1/recommendations (scope recommend), GET and PUT
  // /v1/admin/flags (scope admin).
  Status AddRoutes(HttpService* service);

  // Called after each acknowledged event (the ingest listener): feeds the
  // trending fallback. The cache needs no call: its keys carry the user's
  // feature version.
  void OnEvent(const std::string& user_id, const UserEvent& event);

  // Before serving; `shared` must outlive the recommender.
  void SetSharedCache(SharedCache* shared) { shared_ = shared; }
  // The fallback's ranking from elsewhere, instead of OnEvent (Trending::Replace).
  void ReplaceTrending(std::vector<TrendingItem> top) { trending_.Replace(std::move(top)); }

  void SetFlags(const RecommendFlags& flags);
  std::shared_ptr<const RecommendFlags> flags() const { return flags_.load(std::memory_order_acquire); }

  // The ranking behind the routes; *cached tells whether the cache answered.
  std::shared_ptr<const Recommendation> Recommend(const RecommendQuery& q, bool* cached);

 private:
  struct Filter;
  struct TableEntry {
    std::shared_ptr<const ServingModel> model;
    std::shared_ptr<const ItemTable> table;
  };

  // The item table of `model` at the catalogue's current version.
  std::shared_ptr<const ItemTable> TableFor(const std::shared_ptr<const ServingModel>& model);
  // Ranks with the model into *out; false (and *reason) when the fallback must answer.
  bool RankWithModel(const RecommendQuery& q, const ServingModel& model, const ItemTable& table,
                     const Filter& filter, Recommendation* out, const char** reason);
  // Appends fallback items not yet in *out until it holds k.
  void FillFromFallback(const RecommendQuery& q, const ServingModel* model, const ItemTable* table,
                        const Filter& filter, Recommendation* out);
  // The shared cache's answer for `key`; null without a shared cache or on a miss.
  std::shared_ptr<const Recommendation> FromSharedCache(const std::string& key);
  Response Serve(const Request& req, const RecommendQuery& q);
  Response HandleGet(const Request& req);
  Response HandlePost(const Request& req);

  const RecommenderOptions options_;
  const Catalog* catalog_;
  const ModelManager* models_;
  const FeatureStore* features_;
  AuditLog* audit_;
  Trending trending_;
  RecommendationCache cache_;
  SharedCache* shared_ = nullptr;
  std::atomic<std::shared_ptr<const RecommendFlags>> flags_;
  std::mutex flags_mu_;  // serializes read-modify-write of the flags
  std::atomic<std::shared_ptr<const TableEntry>> table_;
  std::mutex table_mu_;

  CounterFamily* by_strategy_;
  CounterFamily* fallbacks_;
  // strategy -> (recommendations, fallbacks by reason or null), fixed at construction.
  std::map<std::string, std::pair<Counter*, Counter*>, std::less<>> counters_;
  Counter* cache_hits_;
  Counter* cache_misses_;
  Histogram* inference_seconds_;
};

}  // namespace nba

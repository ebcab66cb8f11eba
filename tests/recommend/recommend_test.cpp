// The read side of `nba serve` over real HTTP on loopback: a real SASRec built
// with libtorch, exported and registered, loaded by the ModelManager the way
// the server does; a real catalogue and audit log in a temp dir; a small
// in-memory FeatureStore.
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "../registry/temp_dir.h"
#include "../server/test_http.h"
#include "catalog/catalog.h"
#include "catalog/catalog_routes.h"
#include "model/sasrec.h"
#include "recommend/audit_log.h"
#include "recommend/model_manager.h"
#include "recommend/recommender.h"
#include "registry/registry.h"
#include "server/auth.h"

namespace nba {
namespace {

constexpr int kItems = 30;

class FakeFeatureStore : public FeatureStore {
 public:
  bool Get(std::string_view user_id, UserFeatures* out) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = users_.find(std::string(user_id));
    if (it == users_.end()) return false;
    *out = it->second;
    return true;
  }
  void ApplyEvent(std::string_view user_id, const UserEvent& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    UserFeatures& f = users_[std::string(user_id)];
    f.recent.push_back(event);
    if (event.type == EventType::kPurchase) {
      f.purchased.push_back(event.item_id);
      std::sort(f.purchased.begin(), f.purchased.end());
    }
    f.version = ++next_version_;
  }
  void SetProfile(std::string_view user_id, const UserProfile& profile) override {
    std::lock_guard<std::mutex> lock(mu_);
    UserFeatures& f = users_[std::string(user_id)];
    f.profile = profile;
    f.has_profile = true;
    f.version = ++next_version_;
  }
  void Erase(std::string_view user_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    users_.erase(std::string(user_id));
  }
  size_t num_users() const override { return users_.size(); }
  size_t memory_bytes() const override { return 0; }

 private:
  mutable std::mutex mu_;
  std::map<std::string, UserFeatures> users_;
  uint64_t next_version_ = 0;
};

std::string ItemId(int i) { return "item" + std::to_string(i); }

// A real SASRec with libtorch's initialisation (seeded), as the trainer exports it.
Artefact TinyModel(int seed, bool poisoned = false) {
  ModelConfig c;
  c.num_items = kItems;
  c.max_len = 10;
  c.hidden = 16;
  c.heads = 2;
  c.blocks = 1;
  c.ffn_dim = 16;
  torch::manual_seed(seed);
  SasRec model(c);
  model->eval();
  Artefact a;
  a.config = c.ToJson();
  a.weights = model->ExportWeights();
  if (poisoned) {
    for (auto& [name, t] : a.weights) std::fill(t.data.begin(), t.data.end(), std::nanf(""));
  }
  for (int i = 1; i <= kItems; ++i) a.items.Intern(ItemId(i));
  return a;
}

class RecommendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ModelRegistry::Open(dir_ / "registry", &registry_).ok());
    ASSERT_TRUE(Catalog::Open(dir_ / "catalog", &catalog_).ok());
    std::vector<Item> items(kItems);
    for (int i = 1; i <= kItems; ++i) {
      items[i - 1].id = ItemId(i);
      items[i - 1].price = 10;
      items[i - 1].category = i % 2 ? "odd" : "even";
    }
    ASSERT_TRUE(catalog_->Put(items).ok());
    AuditLogOptions audit;
    audit.path = dir_ / "audit.jsonl";
    ASSERT_TRUE(AuditLog::Open(audit, &audit_).ok());
  }

  void Register(const Artefact& a) {
    std::string version;
    ASSERT_TRUE(registry_->Register(a, &version).ok());
  }

  void Start(RecommenderOptions options = {}) {
    ServerConfig config = TestConfig();
    config.threads = 4;
    config.api_keys = {{"ops", Sha256Hex("admin-key"), {"admin", "recommend"}},
                       {"shop", Sha256Hex("shop-key"), {"recommend"}}};
    server_ = std::make_unique<TestServer>(config);
    HttpService* service = server_->service.get();
    ASSERT_TRUE(ModelManager::Open(registry_.get(), &service->metrics(), &models_).ok());
    options.trending.refresh_ms = 0;
    RecommendFlags flags;
    ASSERT_TRUE(RecommendFlags::FromConfig(config, &flags).ok());
    recommender_ = std::make_unique<Recommender>(options, flags, catalog_.get(), models_.get(), &features_,
                                                 audit_.get(), &service->metrics());
    ASSERT_TRUE(AddCatalogRoutes(catalog_.get(), service).ok());
    ASSERT_TRUE(models_->AddRoutes(service).ok());
    ASSERT_TRUE(recommender_->AddRoutes(service).ok());
    server_->Start();
  }

  void Event(const std::string& user, int item, EventType type = EventType::kView) {
    UserEvent e{ItemId(item), type, 1700000000000 + ++clock_};
    features_.ApplyEvent(user, e);
    recommender_->OnEvent(user, e);
  }

  HttpReply Send(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& key = "admin-key") {
    return Call(server_->port, method + " " + target + " HTTP/1.1\r\nHost: t\r\nX-API-Key: " + key +
                                   "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  nlohmann::json Recommend(const std::string& query) {
    HttpReply r = Send("GET", "/v1/recommendations?" + query, "", "shop-key");
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  static std::vector<std::string> Ids(const nlohmann::json& rec) {
    std::vector<std::string> ids;
    for (const auto& it : rec["items"]) ids.push_back(it["item_id"]);
    return ids;
  }
  void PutItem(const std::string& id, const std::string& json) {
    HttpReply r = Send("PUT", "/v1/items/" + id, json);
    ASSERT_EQ(r.status, 200) << r.body;
  }

  testing::TempDir dir_;
  std::unique_ptr<ModelRegistry> registry_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<AuditLog> audit_;
  FakeFeatureStore features_;
  std::unique_ptr<TestServer> server_;  // declared after what its handlers use...
  std::unique_ptr<ModelManager> models_;
  std::unique_ptr<Recommender> recommender_;
  int64_t clock_ = 0;

  void TearDown() override { server_.reset(); }  // ...so stop it before they go
};

TEST_F(RecommendTest, ModelAnswersWithKItems) {
  Register(TinyModel(1));
  Start();
  Event("u1", 1);
  Event("u1", 2);
  Event("u1", 3, EventType::kAddToCart);
  nlohmann::json rec = Recommend("user_id=u1&k=5");
  EXPECT_EQ(rec["strategy"], "model");
  EXPECT_EQ(rec["model_version"], "0001");
  EXPECT_EQ(rec["user_id"], "u1");
  EXPECT_EQ(rec["cached"], false);
  ASSERT_EQ(rec["items"].size(), 5u);
  EXPECT_EQ(rec["items"][0]["reason"], "model");
  EXPECT_GE(rec["items"][0]["score"].get<double>(), rec["items"][4]["score"].get<double>());
  EXPECT_FALSE(rec["request_id"].get<std::string>().empty());
  EXPECT_EQ(Send("GET", "/readyz").status, 200);
}

TEST_F(RecommendTest, EachFilterRemovesWhatItMust) {
  Register(TinyModel(2));
  Start();
  Event("teen", 5);
  Event("teen", 6);
  features_.SetProfile("teen", UserProfile{16, "DE", true});
  std::vector<std::string> before = Ids(Recommend("user_id=teen&k=30"));
  ASSERT_EQ(before.size(), static_cast<size_t>(kItems));
  PutItem(before[0], R"({"price":10,"in_stock":false})");
  PutItem(before[1], R"({"price":10,"active":false})");
  PutItem(before[2], R"({"price":10,"min_age":18})");
  PutItem(before[3], R"({"price":0})");
  PutItem(before[4], R"({"price":10,"stock":0})");
  Event("teen", std::stoi(before[5].substr(4)), EventType::kPurchase);

  nlohmann::json rec = Recommend("user_id=teen&k=30");
  EXPECT_EQ(rec["strategy"], "model");
  std::vector<std::string> after = Ids(rec);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(std::count(after.begin(), after.end(), before[i]), 0) << before[i];
  EXPECT_EQ(after.size(), static_cast<size_t>(kItems - 6));

  features_.SetProfile("teen", UserProfile{18, "DE", true});  // now old enough
  after = Ids(Recommend("user_id=teen&k=30"));
  EXPECT_EQ(std::count(after.begin(), after.end(), before[2]), 1);
  features_.SetProfile("teen", UserProfile{-1, "", true});  // unknown age: no age-restricted item
  after = Ids(Recommend("user_id=teen&k=30"));
  EXPECT_EQ(std::count(after.begin(), after.end(), before[2]), 0);

  for (const std::string& id : Ids(Recommend("user_id=teen&k=30&category=odd"))) {
    EXPECT_EQ(std::stoi(id.substr(4)) % 2, 1) << id;
  }
  EXPECT_TRUE(Ids(Recommend("user_id=teen&k=30&category=none")).empty());

  ASSERT_EQ(Send("PUT", "/v1/admin/flags", R"({"filter_stock":false})").status, 200);
  after = Ids(Recommend("user_id=teen&k=30"));
  EXPECT_EQ(std::count(after.begin(), after.end(), before[0]), 1);  // back once the stock filter is off
}

TEST_F(RecommendTest, ColdStartAndUnknownItemsUseTrending) {
  Register(TinyModel(3));
  Start();
  for (int i = 0; i < 3; ++i) Event("others", 7);
  Event("others", 9, EventType::kPurchase);
  Event("others", 11);
  nlohmann::json rec = Recommend("user_id=stranger&k=3");
  EXPECT_EQ(rec["strategy"], "fallback:cold_start");
  EXPECT_EQ(Ids(rec), (std::vector<std::string>{"item9", "item7", "item11"}));  // purchase 5 > 3 views > 1 view
  EXPECT_EQ(rec["items"][0]["reason"], "popular");

  features_.ApplyEvent("newcomer", UserEvent{"not-in-the-model", EventType::kView, 1});
  EXPECT_EQ(Recommend("user_id=newcomer&k=3")["strategy"], "fallback:cold_start");
}

TEST_F(RecommendTest, ModelResultIsToppedUpFromTrendingWhenFiltersLeaveTooFew) {
  Register(TinyModel(4));
  Start();
  Event("u", 2);
  Event("u", 1);
  std::string bulk = "[";
  for (int i = 2; i <= kItems; ++i) bulk += std::string(i > 2 ? "," : "") + R"({"id":")" + ItemId(i) + R"(","price":10,"active":false})";
  ASSERT_EQ(Send("POST", "/v1/items", bulk + "]").status, 200);
  ASSERT_TRUE(catalog_->Put(std::vector<Item>{Item{"fresh", "", 5}}).ok());  // unknown to the model
  recommender_->OnEvent("x", UserEvent{"fresh", EventType::kView, 1});
  nlohmann::json rec = Recommend("user_id=u&k=5");
  EXPECT_EQ(rec["strategy"], "model");
  ASSERT_EQ(rec["items"].size(), 2u);
  EXPECT_EQ(rec["items"][0]["item_id"], "item1");
  EXPECT_EQ(rec["items"][0]["reason"], "model");
  EXPECT_EQ(rec["items"][1]["item_id"], "fresh");
  EXPECT_EQ(rec["items"][1]["reason"], "popular");
}

TEST_F(RecommendTest, NoModelServesFallbackAndIsNotReady) {
  Start();
  Event("u", 4);
  nlohmann::json rec = Recommend("user_id=u&k=2");
  EXPECT_EQ(rec["strategy"], "fallback:no_model");
  EXPECT_TRUE(rec["model_version"].is_null());
  EXPECT_EQ(Ids(rec), std::vector<std::string>{"item4"});
  HttpReply ready = Send("GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("no model loaded"), std::string::npos);
  EXPECT_NE(Send("GET", "/metrics").body.find("nba_fallbacks_total{reason=\"no_model\"} 1"), std::string::npos);
}

TEST_F(RecommendTest, BrokenOrSlowModelFallsBackWithoutA5xx) {
  Register(TinyModel(5));
  Register(TinyModel(6, /*poisoned=*/true));
  RecommenderOptions options;
  options.time_budget_ms = 1e-6;  // no inference fits in a nanosecond
  Start(options);
  Event("u", 3);
  EXPECT_EQ(Recommend("user_id=u")["strategy"], "fallback:timeout");
  ASSERT_EQ(Send("POST", "/v1/admin/models/2/promote").status, 200);
  nlohmann::json rec = Recommend("user_id=u");
  EXPECT_EQ(rec["strategy"], "fallback:error");
  EXPECT_EQ(rec["model_version"], "0002");
  EXPECT_EQ(Ids(rec), std::vector<std::string>{"item3"});
}

TEST_F(RecommendTest, CacheHitsUntilUserOrCatalogueChanges) {
  Register(TinyModel(7));
  Start();
  Event("u", 1);
  EXPECT_EQ(Recommend("user_id=u&k=4")["cached"], false);
  nlohmann::json second = Recommend("user_id=u&k=4");
  EXPECT_EQ(second["cached"], true);
  EXPECT_EQ(second["strategy"], "model");
  EXPECT_EQ(Recommend("user_id=u&k=5")["cached"], false);  // k is part of the key
  Event("u", 8);
  EXPECT_EQ(Recommend("user_id=u&k=4")["cached"], false);
  EXPECT_EQ(Recommend("user_id=u&k=4")["cached"], true);
  PutItem("item30", R"({"price":11})");
  EXPECT_EQ(Recommend("user_id=u&k=4")["cached"], false);
  ASSERT_EQ(Send("PUT", "/v1/admin/flags", R"({"cache_enabled":false})").status, 200);
  EXPECT_EQ(Recommend("user_id=u&k=4")["cached"], false);
  EXPECT_EQ(Recommend("user_id=u&k=4")["cached"], false);
  std::string metrics = Send("GET", "/metrics").body;
  EXPECT_NE(metrics.find("nba_cache_hits_total 2"), std::string::npos);
  EXPECT_NE(metrics.find("nba_cache_misses_total 4"), std::string::npos);
  EXPECT_NE(metrics.find("nba_recommendations_total{strategy=\"model\"} 8"), std::string::npos);
}

TEST_F(RecommendTest, BadRequestsAre400WithTheField) {
  Register(TinyModel(8));
  Start();
  for (const char* k : {"0", "101", "abc", "1.5", "-3", ""}) {
    HttpReply r = Send("GET", std::string("/v1/recommendations?user_id=u&k=") + k, "", "shop-key");
    EXPECT_EQ(r.status, 400) << k;
    EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["field"], "k") << k;
  }
  HttpReply r = Send("GET", "/v1/recommendations?k=3", "", "shop-key");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["field"], "user_id");
  r = Send("POST", "/v1/recommendations", R"({"sequence":[{"item_id":"item1"},{"item_id":"item2","event_type":"zap"}]})",
           "shop-key");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["field"], "sequence[1].event_type");
  r = Send("POST", "/v1/recommendations", R"({"sequence":[],"k":1000})", "shop-key");
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["field"], "k");
  EXPECT_EQ(Send("POST", "/v1/recommendations", "[1,", "shop-key").status, 400);
  r = Send("PUT", "/v1/admin/flags", R"({"model_enabled":"yes"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["field"], "model_enabled");
  EXPECT_EQ(Send("PUT", "/v1/admin/flags", R"({"model_enabled":false})", "shop-key").status, 403);
}

TEST_F(RecommendTest, AnonymousSessionSkipsItsPurchases) {
  Register(TinyModel(9));
  Start();
  HttpReply r = Send("POST", "/v1/recommendations",
                     R"({"sequence":[{"item_id":"item3","event_type":"view"},{"item_id":"item4","event_type":"purchase"}],"k":30})",
                     "shop-key");
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json rec = nlohmann::json::parse(r.body);
  EXPECT_EQ(rec["strategy"], "model");
  EXPECT_TRUE(rec["user_id"].is_null());
  std::vector<std::string> ids = Ids(rec);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kItems - 1));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "item4"), 0);

  ASSERT_EQ(Send("PUT", "/v1/admin/flags", R"({"model_enabled":false})").status, 200);
  r = Send("POST", "/v1/recommendations", R"({"sequence":[{"item_id":"item3"}]})", "shop-key");
  EXPECT_EQ(nlohmann::json::parse(r.body)["strategy"], "fallback:no_model");
}

TEST_F(RecommendTest, PromoteAndRollbackUnderLoadFailNoRequest) {
  Register(TinyModel(10));
  Register(TinyModel(11));
  Start();
  Event("u", 1);
  Event("u", 2);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, served{0};
  std::mutex mu;
  std::set<std::string> versions;
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&] {
      while (!stop.load()) {
        HttpReply r = Send("GET", "/v1/recommendations?user_id=u&k=5", "", "shop-key");
        nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
        if (r.status != 200 || j["strategy"] != "model" || j["items"].size() != 5) {
          ++failures;
        } else {
          std::lock_guard<std::mutex> lock(mu);
          versions.insert(j["model_version"]);
        }
        ++served;
      }
    });
  }
  auto wait_for = [&](int n) {
    while (served.load() < n) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  wait_for(20);
  HttpReply r = Send("POST", "/v1/admin/models/0002/promote");
  EXPECT_EQ(r.status, 200) << r.body;
  wait_for(served.load() + 20);
  r = Send("POST", "/v1/admin/models/rollback");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["serving"], "0001");
  wait_for(served.load() + 20);
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(versions, (std::set<std::string>{"0001", "0002"}));
  EXPECT_EQ(Recommend("user_id=u")["model_version"], "0001");

  EXPECT_EQ(Send("POST", "/v1/admin/models/9/promote").status, 404);
  EXPECT_EQ(Send("POST", "/v1/admin/models/rollback").status, 404);  // nothing before 0001
  nlohmann::json list = nlohmann::json::parse(Send("GET", "/v1/admin/models").body);
  EXPECT_EQ(list["serving"], "0001");
  EXPECT_EQ(list["versions"].size(), 2u);
  std::string metrics = Send("GET", "/metrics").body;
  EXPECT_NE(metrics.find("nba_model_version{version=\"0001\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("nba_model_version{version=\"0002\"} 0"), std::string::npos);
}

TEST_F(RecommendTest, AuditLogHoldsEveryServedRequest) {
  Register(TinyModel(12));
  Start();
  Event("u", 1);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Recommend("user_id=u&k=2")["request_id"]);
  ids.push_back(Recommend("user_id=cold&k=2")["request_id"]);
  ASSERT_TRUE(audit_->Flush().ok());
  std::ifstream in(dir_ / "audit.jsonl");
  std::map<std::string, nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    lines[j["request_id"]] = j;
  }
  ASSERT_EQ(lines.size(), ids.size());
  for (const std::string& id : ids) {
    ASSERT_EQ(lines.count(id), 1u) << id;
    EXPECT_GT(lines[id]["ts"].get<int64_t>(), 0);
  }
  EXPECT_EQ(lines[ids[0]]["strategy"], "model");
  EXPECT_EQ(lines[ids[0]]["items"].size(), 2u);
  EXPECT_EQ(lines[ids[1]]["cached"], true);
  EXPECT_EQ(lines[ids[5]]["strategy"], "fallback:cold_start");
}

}  // namespace
}  // namespace nba

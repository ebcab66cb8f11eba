// Contract tests of the embedded engine over real HTTP: a real Engine, its
// event log, feature store, catalogue and registry on a temporary directory,
// and a model loaded from the registry the way `nba serve` loads one.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "engine_testing.h"

namespace nba::testing {
namespace {

using nlohmann::json;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json Event(const std::string& user, int item, const std::string& type = "view") {
  return {{"user_id", user}, {"item_id", ItemId(item)}, {"event_type", type}};
}

std::set<std::string> Ids(const json& rec) {
  std::set<std::string> ids;
  for (const json& it : rec["items"]) ids.insert(it["item_id"].get<std::string>());
  return ids;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EXPECT_EQ(RegisterModel(e_.config.serving.registry_dir, 1), "0001");
    e_.Start();
    json items = json::array();
    for (int i = 1; i <= kItems; ++i) {
      items.push_back({{"id", ItemId(i)}, {"price", 10}, {"category", i % 2 ? "odd" : "even"}});
    }
    HttpReply r = e_.Send("POST", "/v1/items", items.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(Json(r)["accepted"], kItems);
  }

  void Ingest(const json& events, const std::string& key = kAdminKey) {
    HttpReply r = e_.Send("POST", "/v1/events", events.dump(), key);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(Json(r)["rejected"], json::array()) << r.body;
  }

  json Recommend(const std::string& user, const std::string& query = "") {
    HttpReply r = e_.Send("GET", "/v1/recommendations?user_id=" + user + query, "", kShopKey);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r);
  }

  // The user's features as GET /v1/users/{id} shows them, without the
  // version counter (an in-memory change counter, not part of the state).
  json Features(const std::string& user) {
    HttpReply r = e_.Send("GET", "/v1/users/" + user);
    EXPECT_EQ(r.status, 200) << r.body;
    json j = Json(r);
    j.erase("version");
    return j;
  }

  // A valid event is still acknowledged: the server kept serving.
  void ExpectStillServing() {
    HttpReply r = e_.Send("POST", "/v1/events", Event("alive", 1).dump(), kIngestKey);
    EXPECT_EQ(r.status, 200) << r.body;
  }

  TestEngine e_;
};

TEST_F(EngineTest, IngestedUserIsRankedByTheModel) {
  EXPECT_EQ(e_.Send("GET", "/readyz", "", "").status, 200);
  json cold = Recommend("nobody", "&k=5");
  EXPECT_EQ(cold["strategy"], "fallback:cold_start");
  EXPECT_EQ(cold["model_version"], "0001");

  Ingest(json::array({Event("u1", 3), Event("u1", 5, "add_to_cart")}), kIngestKey);
  json warm = Recommend("u1", "&k=5");
  EXPECT_EQ(warm["strategy"], "model");
  EXPECT_EQ(warm["model_version"], "0001");
  EXPECT_EQ(warm["user_id"], "u1");
  EXPECT_FALSE(warm["request_id"].get<std::string>().empty());
  ASSERT_EQ(warm["items"].size(), 5u) << warm;
  for (const json& it : warm["items"]) EXPECT_EQ(it["reason"], "model") << warm;
  EXPECT_NE(warm["items"], cold["items"]);
  EXPECT_FALSE(warm["cached"].get<bool>());

  json again = Recommend("u1", "&k=5");
  EXPECT_TRUE(again["cached"].get<bool>());
  EXPECT_EQ(again["items"], warm["items"]);

  // A new event is a new state: the cache must not answer.
  Ingest(Event("u1", 7, "click"));
  json next = Recommend("u1", "&k=5");
  EXPECT_EQ(next["strategy"], "model");
  EXPECT_FALSE(next["cached"].get<bool>());

  // An anonymous session is ranked by the model from its sequence.
  HttpReply post = e_.Send("POST", "/v1/recommendations",
                           R"({"k":3,"sequence":[{"item_id":"i3"},{"item_id":"i5","event_type":"purchase"}]})", kShopKey);
  ASSERT_EQ(post.status, 200) << post.body;
  EXPECT_EQ(Json(post)["strategy"], "model");
  EXPECT_TRUE(Json(post)["user_id"].is_null());
  EXPECT_FALSE(Ids(Json(post)).count("i5")) << "a purchased item was recommended";

  std::string metrics = e_.Send("GET", "/metrics", "", "").body;
  EXPECT_NE(metrics.find("nba_events_ingested_total{type=\"view\"}"), std::string::npos);
  EXPECT_NE(metrics.find("nba_model_version{version=\"0001\"} 1"), std::string::npos);
}

TEST_F(EngineTest, CatalogueChangesApplyToTheNextRecommendation) {
  Ingest(Event("u2", 1));
  std::set<std::string> all = Ids(Recommend("u2", "&k=20"));
  ASSERT_EQ(all.size(), static_cast<size_t>(kItems));

  HttpReply r = e_.Send("PUT", "/v1/items/i7", R"({"price":10,"active":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["active"], false);
  ASSERT_EQ(e_.Send("PUT", "/v1/items/i8", R"({"price":10,"stock":0})").status, 200);
  ASSERT_EQ(e_.Send("PUT", "/v1/items/i9", R"({"price":10,"min_age":18})").status, 200);
  ASSERT_EQ(e_.Send("DELETE", "/v1/items/i10").status, 204);
  EXPECT_EQ(e_.Send("DELETE", "/v1/items/i10").status, 404);
  EXPECT_EQ(Json(e_.Send("GET", "/v1/items/i8", "", kShopKey))["in_stock"], false);

  std::set<std::string> now = Ids(Recommend("u2", "&k=20"));
  EXPECT_EQ(now.size(), static_cast<size_t>(kItems - 4));
  for (const char* gone : {"i7", "i8", "i9", "i10"}) EXPECT_FALSE(now.count(gone)) << gone << " still recommended";

  for (const std::string& id : Ids(Recommend("u2", "&k=20&category=odd"))) {
    EXPECT_EQ(std::stoi(id.substr(1)) % 2, 1) << id << " is not in category odd";
  }

  // An adult may see the age-limited item; a re-activated item is back.
  ASSERT_EQ(e_.Send("PUT", "/v1/users/u2", R"({"age":21})", kIngestKey).status, 200);
  ASSERT_EQ(e_.Send("PUT", "/v1/items/i7", R"({"price":10})").status, 200);
  now = Ids(Recommend("u2", "&k=20"));
  EXPECT_TRUE(now.count("i9"));
  EXPECT_TRUE(now.count("i7"));
}

TEST_F(EngineTest, FeaturesSurviveRestartBySnapshotAndByLogReplay) {
  const int64_t t = NowMs() - 10000;
  json events = json::array();
  for (int i = 0; i < 5; ++i) {
    json e = Event("u3", i + 1, i == 4 ? "purchase" : "view");
    e["timestamp"] = t + i;
    events.push_back(e);
  }
  Ingest(events);
  ASSERT_EQ(e_.Send("PUT", "/v1/users/u3", R"({"age":30,"country":"DE"})").status, 200);
  json before = Features("u3");
  ASSERT_EQ(before["recent"].size(), 5u) << before;
  EXPECT_EQ(before["purchased"], json::array({"i5"}));
  EXPECT_EQ(before["profile"]["country"], "DE");

  e_.Restart();
  EXPECT_TRUE(std::filesystem::exists(e_.config.data_dir + "/features.snap"));
  EXPECT_EQ(Features("u3"), before) << "after a restart from the snapshot";

  e_.Stop();
  ASSERT_TRUE(std::filesystem::remove(e_.config.data_dir + "/features.snap"));
  e_.Start();
  EXPECT_EQ(Features("u3"), before) << "after a restart from the event log alone";

  // An erased user stays erased after a replay.
  ASSERT_EQ(e_.Send("DELETE", "/v1/users/u3").status, 200);
  e_.Stop();
  ASSERT_TRUE(std::filesystem::remove(e_.config.data_dir + "/features.snap"));
  e_.Start();
  EXPECT_EQ(e_.Send("GET", "/v1/users/u3").status, 404);
}

TEST_F(EngineTest, ColdStartVisitorsGetTrendingItemsAfterARestart) {
  json events = json::array();
  for (int u = 0; u < 6; ++u) events.push_back(Event("fan" + std::to_string(u), 7));
  Ingest(events);
  e_.Restart();
  json rec = Recommend("stranger", "&k=3");
  EXPECT_EQ(rec["strategy"], "fallback:cold_start") << rec;
  ASSERT_FALSE(rec["items"].empty()) << "trending was not warmed from the log: " << rec;
  EXPECT_EQ(rec["items"][0]["item_id"], ItemId(7)) << rec;
}

TEST_F(EngineTest, BadEventsGetFieldAndReasonAndTheServerKeepsServing) {
  struct Case {
    const char* name;
    std::string body;
    std::string field;  // error.field for a bad body, rejected[0].field for a bad event
  };
  const std::string future = std::to_string(NowMs() + 10LL * 24 * 3600 * 1000);
  const std::vector<Case> cases = {
      {"malformed JSON", R"({"user_id":"u","item_id")", "body"},
      {"neither object nor array", "42", "body"},
      {"empty batch", "[]", "body"},
      {"invalid UTF-8", "{\"user_id\":\"u\xff\",\"item_id\":\"i1\",\"event_type\":\"view\"}", "body"},
      {"missing user_id", R"({"item_id":"i1","event_type":"view"})", "user_id"},
      {"missing item_id", R"({"user_id":"u","event_type":"view"})", "item_id"},
      {"missing event_type", R"({"user_id":"u","item_id":"i1"})", "event_type"},
      {"item_id of wrong type", R"({"user_id":"u","item_id":[1],"event_type":"view"})", "item_id"},
      {"event_type of wrong type", R"({"user_id":"u","item_id":"i1","event_type":5})", "event_type"},
      {"timestamp of wrong type", R"({"user_id":"u","item_id":"i1","event_type":"view","timestamp":"today"})",
       "timestamp"},
      {"price of wrong type", R"({"user_id":"u","item_id":"i1","event_type":"view","price":"cheap"})", "price"},
      {"unknown event type", R"({"user_id":"u","item_id":"i1","event_type":"teleport"})", "event_type"},
      {"negative timestamp", R"({"user_id":"u","item_id":"i1","event_type":"view","timestamp":-1})", "timestamp"},
      {"far-future timestamp", R"({"user_id":"u","item_id":"i1","event_type":"view","timestamp":)" + future + "}",
       "timestamp"},
      {"timestamp beyond int64",
       R"({"user_id":"u","item_id":"i1","event_type":"view","timestamp":18446744073709551615})", "timestamp"},
      {"empty user_id", R"({"user_id":"","item_id":"i1","event_type":"view"})", "user_id"},
      {"overlong item_id", R"({"user_id":"u","item_id":")" + std::string(300, 'x') + R"(","event_type":"view"})",
       "item_id"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HttpReply r = e_.Send("POST", "/v1/events", c.body, kIngestKey);
    EXPECT_EQ(r.status, 400) << r.body;
    json j = Json(r);
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_FALSE(j["error"]["message"].get<std::string>().empty()) << r.body;
    if (c.field == "body") {
      EXPECT_EQ(j["error"]["field"], "body") << r.body;
    } else {
      EXPECT_EQ(j["accepted"], 0) << r.body;
      ASSERT_EQ(j["rejected"].size(), 1u) << r.body;
      EXPECT_EQ(j["rejected"][0]["index"], 0) << r.body;
      EXPECT_EQ(j["rejected"][0]["field"], c.field) << r.body;
      EXPECT_FALSE(j["rejected"][0]["reason"].get<std::string>().empty()) << r.body;
    }
    ExpectStillServing();
  }

  // One bad event in a batch: reported by index, the good ones kept.
  json batch = json::array({Event("u5", 1), {{"user_id", "u5"}, {"event_type", "view"}}, Event("u5", 2)});
  HttpReply r = e_.Send("POST", "/v1/events", batch.dump(), kIngestKey);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["accepted"], 2);
  EXPECT_EQ(Json(r)["rejected"], json::parse(R"([{"index":1,"field":"item_id","reason":"is required"}])"));
  EXPECT_EQ(Features("u5")["recent"].size(), 2u);
}

TEST_F(EngineTest, OversizedBodyIs413AndTheServerKeepsServing) {
  // The declared length alone exceeds server.max_body_bytes: the server
  // answers before reading the body.
  const std::string raw = "POST /v1/events HTTP/1.1\r\nHost: t\r\nX-API-Key: " + kIngestKey +
                          "\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(e_.config.max_body_bytes + 1) + "\r\n\r\n";
  HttpReply r = Call(e_.port, raw);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(Json(r)["error"]["code"], "payload_too_large");
  EXPECT_NE(Json(r)["error"]["message"].get<std::string>().find("max_body_bytes"), std::string::npos);
  ExpectStillServing();
}

TEST_F(EngineTest, BadRequestsOnOtherRoutesAre400WithTheField) {
  struct Case {
    std::string method, target, body, field;
  };
  const std::vector<Case> cases = {
      {"GET", "/v1/recommendations?user_id=u&k=1000000", "", "k"},
      {"GET", "/v1/recommendations?user_id=u&k=0", "", "k"},
      {"GET", "/v1/recommendations?user_id=u&k=-3", "", "k"},
      {"GET", "/v1/recommendations?user_id=u&k=ten", "", "k"},
      {"GET", "/v1/recommendations", "", "user_id"},
      {"POST", "/v1/recommendations", R"({"k":100000})", "k"},
      {"POST", "/v1/recommendations", R"({"sequence":[{"item":"i1"}]})", "sequence[0].item_id"},
      {"POST", "/v1/recommendations", R"({"sequence":"i1"})", "sequence"},
      {"PUT", "/v1/users/u", R"({"age":"old"})", "age"},
      {"PUT", "/v1/users/u", R"({"age":200})", "age"},
      {"PUT", "/v1/users/u", R"({"concent":false})", "concent"},
      {"PUT", "/v1/users/u", "not json", "body"},
      {"PUT", "/v1/items/x", R"({"price":-1})", "price"},
      {"PUT", "/v1/items/x", R"({"id":"y"})", "id"},
      {"PUT", "/v1/items/x", R"({"colour":"red"})", "colour"},
      {"POST", "/v1/items", R"({"id":"x"})", "body"},
      {"PUT", "/v1/admin/flags", R"({"model_enabled":"yes"})", "model_enabled"},
      {"PUT", "/v1/admin/flags", R"({"turbo":true})", "turbo"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target + " " + c.body);
    HttpReply r = e_.Send(c.method, c.target, c.body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(Json(r)["error"]["field"], c.field) << r.body;
    EXPECT_FALSE(Json(r)["error"]["message"].get<std::string>().empty()) << r.body;
  }
  // A batch of items keeps the good ones and reports the others by index.
  HttpReply r = e_.Send("POST", "/v1/items", R"([{"id":"new","price":1},{"id":"bad","price":"x"}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["accepted"], 1);
  EXPECT_EQ(Json(r)["errors"][0]["index"], 1);
  EXPECT_EQ(Json(r)["errors"][0]["field"], "price");
  EXPECT_EQ(e_.Send("GET", "/v1/items/new", "", kShopKey).status, 200);
  ExpectStillServing();
}

TEST_F(EngineTest, MissingOrWrongCredentialsAre401AndMissingScopeIs403) {
  const std::string event = Event("u6", 1).dump();
  HttpReply r = e_.Send("POST", "/v1/events", event, "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Json(r)["error"]["code"], "unauthorized");
  EXPECT_FALSE(r.headers["www-authenticate"].empty());
  EXPECT_EQ(e_.Send("POST", "/v1/events", event, "not-a-key").status, 401);

  r = e_.Send("POST", "/v1/events", event, kShopKey);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Json(r)["error"]["code"], "forbidden");
  EXPECT_EQ(e_.Send("GET", "/v1/recommendations?user_id=u6", "", kIngestKey).status, 403);
  EXPECT_EQ(e_.Send("GET", "/v1/users/u6", "", kIngestKey).status, 403);
  EXPECT_EQ(e_.Send("POST", "/v1/admin/models/rollback", "", kShopKey).status, 403);

  EXPECT_EQ(e_.Send("POST", "/v1/events", event, kIngestKey).status, 200);
  EXPECT_EQ(Call(e_.port, "POST /v1/events HTTP/1.1\r\nHost: t\r\nAuthorization: ApiKey " + kIngestKey +
                              "\r\nContent-Length: " + std::to_string(event.size()) + "\r\n\r\n" + event)
                .status,
            200);
  EXPECT_EQ(e_.Send("GET", "/healthz", "", "").status, 200);
}

TEST(EngineRateLimitTest, ExhaustedBucketIs429WithRetryAfter) {
  TestEngine e;
  e.config.rate_limit.requests_per_second = 0.001;  // no refill within the test
  e.config.rate_limit.burst = 2;
  e.Start();
  const std::string event = Event("u7", 1).dump();
  EXPECT_EQ(e.Send("POST", "/v1/events", event, kIngestKey).status, 200);
  EXPECT_EQ(e.Send("POST", "/v1/events", event, kIngestKey).status, 200);
  HttpReply r = e.Send("POST", "/v1/events", event, kIngestKey);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(Json(r)["error"]["code"], "rate_limited");
  ASSERT_FALSE(r.headers["retry-after"].empty());
  EXPECT_GE(std::stoi(r.headers["retry-after"]), 1);
  // Buckets are per credential; public routes are not limited.
  EXPECT_EQ(e.Send("POST", "/v1/events", event, kAdminKey).status, 200);
  EXPECT_EQ(e.Send("GET", "/healthz", "", "").status, 200);
}

TEST_F(EngineTest, PromoteAndRollbackChangeTheServedModel) {
  EXPECT_EQ(RegisterModel(e_.config.serving.registry_dir, 2), "0002");
  Ingest(json::array({Event("u8", 2), Event("u8", 4)}));
  EXPECT_EQ(Recommend("u8")["model_version"], "0001");

  json list = Json(e_.Send("GET", "/v1/admin/models"));
  EXPECT_EQ(list["serving"], "0001");
  ASSERT_EQ(list["versions"].size(), 2u) << list;
  EXPECT_TRUE(list["versions"][0]["production"].get<bool>());
  EXPECT_FALSE(list["versions"][1]["production"].get<bool>());

  HttpReply r = e_.Send("POST", "/v1/admin/models/2/promote");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["serving"], "0002");
  EXPECT_EQ(Recommend("u8")["model_version"], "0002");

  r = e_.Send("POST", "/v1/admin/models/rollback");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["serving"], "0001");
  EXPECT_EQ(Recommend("u8")["model_version"], "0001");

  r = e_.Send("POST", "/v1/admin/models/rollback");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(Json(r)["error"]["field"], "version");
  EXPECT_EQ(e_.Send("POST", "/v1/admin/models/9/promote").status, 404);
  EXPECT_EQ(Recommend("u8")["model_version"], "0001");
}

TEST_F(EngineTest, PromoteAndRollbackUnderLoadFailNoRequest) {
  EXPECT_EQ(RegisterModel(e_.config.serving.registry_dir, 2), "0002");
  Ingest(json::array({Event("u9", 2), Event("u9", 4)}));
  std::atomic<bool> stop{false};
  std::atomic<int> served{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      TestConnection c(e_.port);
      while (!stop.load()) {
        c.Send(Raw("GET", "/v1/recommendations?user_id=u9&k=" + std::to_string(1 + t), "", kShopKey));
        HttpReply r;
        const bool ok = c.Read(&r) && r.status == 200 && Json(r)["strategy"] == "model";
        (ok ? served : failed)++;
        if (!ok) return;
      }
    });
  }
  while (served.load() < 4 && failed.load() == 0) std::this_thread::yield();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(e_.Send("POST", "/v1/admin/models/2/promote").status, 200);
    EXPECT_EQ(e_.Send("POST", "/v1/admin/models/rollback").status, 200);
  }
  stop = true;
  for (std::thread& c : clients) c.join();
  EXPECT_EQ(failed.load(), 0);
}

}  // namespace
}  // namespace nba::testing

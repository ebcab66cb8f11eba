// RedisFeatureStore against a real redis-server: the FeatureStore contract
// (bounded events, purchases, profile, versions, erasure), the key layout,
// dedupe by event id, consent, the local cache, trending, and failures.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "redis/redis_feature_store.h"
#include "redis_testing.h"

namespace nba {
namespace {

UserEvent Ev(const std::string& item, EventType type, int64_t ts) { return UserEvent{item, type, ts}; }

FeatureChange EventChange(const std::string& user, const std::string& id, const UserEvent& event) {
  FeatureChange change;
  change.kind = FeatureChange::kEvent;
  change.user_id = user;
  change.event_id = id;
  change.event = event;
  return change;
}

FeatureChange ProfileChange(const std::string& user, const UserProfile& profile) {
  FeatureChange change;
  change.kind = FeatureChange::kProfile;
  change.user_id = user;
  change.profile = profile;
  return change;
}

UserProfile Profile(int age, const std::string& country, bool consent) {
  UserProfile profile;
  profile.age = age;
  profile.country = country;
  profile.consent = consent;
  return profile;
}

std::vector<std::string> Items(const UserFeatures& f) {
  std::vector<std::string> out;
  for (const UserEvent& e : f.recent) out.push_back(e.item_id);
  return out;
}

class RedisFeatureStoreTest : public testing::RedisClientTest {
 protected:
  void SetUp() override { SetUpClient(20); }

  RedisReply Raw(const std::vector<std::string>& args) {
    RedisReply reply;
    EXPECT_TRUE(client_->Command(args, &reply).ok());
    return reply;
  }

};

TEST_F(RedisFeatureStoreTest, UnknownUserIsNotFound) {
  RedisFeatureStore store(client_);
  UserFeatures f;
  bool found = true;
  ASSERT_TRUE(store.Lookup("nobody", &f, &found).ok());
  EXPECT_FALSE(found);
  EXPECT_FALSE(store.Get("nobody", &f));
  EXPECT_EQ(store.num_users(), 0u);
}

TEST_F(RedisFeatureStoreTest, RoundTrip) {
  RedisFeatureStore store(client_, {.max_events = 3});
  store.ApplyEvent("u", Ev("b", EventType::kPurchase, 100));
  store.ApplyEvent("u", Ev("a", EventType::kPurchase, 101));
  store.ApplyEvent("u", Ev("b", EventType::kPurchase, 102));
  for (int i = 0; i < 4; ++i) store.ApplyEvent("u", Ev("i|" + std::to_string(i), EventType::kClick, 200 + i));

  UserFeatures f;
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"i|1", "i|2", "i|3"}));  // '|' in ids survives the encoding
  EXPECT_EQ(f.recent[0].type, EventType::kClick);
  EXPECT_EQ(f.recent[0].ts_ms, 201);
  EXPECT_EQ(f.purchased, (std::vector<std::string>{"a", "b"}));  // outlive the event list
  EXPECT_FALSE(f.has_profile);
  uint64_t after_events = f.version;
  EXPECT_GT(after_events, 0u);

  store.SetProfile("u", Profile(34, "DE", true));
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_TRUE(f.has_profile);
  EXPECT_EQ(f.profile.age, 34);
  EXPECT_EQ(f.profile.country, "DE");
  EXPECT_TRUE(f.profile.consent);
  EXPECT_GT(f.version, after_events);

  store.SetProfile("v", UserProfile{});  // a profile alone makes a user known
  ASSERT_TRUE(store.Get("v", &f));
  EXPECT_TRUE(f.recent.empty());
  EXPECT_EQ(f.profile.age, -1);
  EXPECT_EQ(store.num_users(), 2u);
  EXPECT_GT(store.memory_bytes(), 0u);
  EXPECT_EQ(store.errors(), 0u);
}

TEST_F(RedisFeatureStoreTest, KeyLayout) {
  RedisFeatureStore store(client_, {.key_prefix = "shop1:", .max_events = 2});
  std::vector<FeatureChange> changes{
      EventChange("u7", "e1", Ev("x", EventType::kView, 1)),
      EventChange("u7", "e2", Ev("y", EventType::kPurchase, 2)),
      EventChange("u7", "e3", Ev("z", EventType::kAddToCart, 3)),
      ProfileChange("u7", Profile(20, "FR", true)),
  };
  std::vector<ApplyOutcome> applied;
  ASSERT_TRUE(store.ApplyBatch(changes, &applied).ok());

  // Lists keep the newest max_events for readers (trimmed once 32 past it).
  RedisReply events = Raw({"LRANGE", "shop1:u:{u7}:e", "-2", "-1"});
  ASSERT_EQ(events.elements.size(), 2u);
  EXPECT_EQ(events.elements[0].str, "4|2|y");
  EXPECT_EQ(events.elements[1].str, "3|3|z");
  RedisReply ids = Raw({"LRANGE", "shop1:u:{u7}:ids", "-2", "-1"});
  ASSERT_EQ(ids.elements.size(), 2u);
  EXPECT_EQ(ids.elements[1].str, "e3");
  EXPECT_EQ(Raw({"SISMEMBER", "shop1:u:{u7}:b", "y"}).integer, 1);
  EXPECT_EQ(Raw({"HGET", "shop1:u:{u7}:p", "country"}).str, "FR");
  EXPECT_EQ(Raw({"HGET", "shop1:u:{u7}:p", "consent"}).str, "1");
  EXPECT_EQ(Raw({"GET", "shop1:u:{u7}:v"}).str, Raw({"GET", "shop1:version"}).str);
  EXPECT_EQ(Raw({"SISMEMBER", "shop1:users", "u7"}).integer, 1);

  std::vector<FeatureChange> many;
  for (int i = 0; i < 100; ++i) many.push_back(EventChange("u7", "m" + std::to_string(i), Ev("w", EventType::kView, 10 + i)));
  ASSERT_TRUE(store.ApplyBatch(many, &applied).ok());
  EXPECT_LE(Raw({"LLEN", "shop1:u:{u7}:e"}).integer, 2 + 32) << "bounded";
  EXPECT_LE(Raw({"LLEN", "shop1:u:{u7}:ids"}).integer, 2 + 32);
  UserFeatures f;
  ASSERT_TRUE(store.Get("u7", &f));
  ASSERT_EQ(f.recent.size(), 2u);
  EXPECT_EQ(f.recent[1].ts_ms, 109);
}

TEST_F(RedisFeatureStoreTest, EraseForgetsAndVersionsAreNotReused) {
  RedisFeatureStore store(client_);
  store.ApplyEvent("u", Ev("a", EventType::kPurchase, 1));
  store.SetProfile("u", Profile(40, "", true));
  store.ApplyEvent("other", Ev("a", EventType::kView, 1));
  UserFeatures f;
  ASSERT_TRUE(store.Get("u", &f));
  uint64_t before = f.version;
  EXPECT_EQ(store.num_users(), 2u);

  store.Erase("u");
  EXPECT_FALSE(store.Get("u", &f));
  EXPECT_EQ(store.num_users(), 1u);
  EXPECT_EQ(Raw({"KEYS", "nba:u:{u}:*"}).elements.size(), 0u);

  store.ApplyEvent("u", Ev("b", EventType::kView, 2));
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(f.purchased.empty());
  EXPECT_FALSE(f.has_profile);
  EXPECT_GT(f.version, before);
}

TEST_F(RedisFeatureStoreTest, SameEventIdAppliesOnce) {
  RedisFeatureStore store(client_);
  std::vector<FeatureChange> batch{EventChange("u", "ev-1", Ev("a", EventType::kPurchase, 1)),
                                   EventChange("u", "ev-1", Ev("a", EventType::kPurchase, 1)),
                                   EventChange("u", "ev-2", Ev("b", EventType::kView, 2))};
  std::vector<ApplyOutcome> applied;
  ASSERT_TRUE(store.ApplyBatch(batch, &applied).ok());
  EXPECT_EQ(applied, (std::vector<ApplyOutcome>{ApplyOutcome::kApplied, ApplyOutcome::kDuplicate, ApplyOutcome::kApplied}));
  UserFeatures f;
  ASSERT_TRUE(store.Get("u", &f));
  uint64_t version = f.version;

  // Redelivered in a later batch (at-least-once delivery): applied once in effect.
  ASSERT_TRUE(store.ApplyBatch(std::span(batch).first(2), &applied).ok());
  EXPECT_EQ(applied, (std::vector<ApplyOutcome>{ApplyOutcome::kDuplicate, ApplyOutcome::kDuplicate}));
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(f.version, version);

  // Without an id nothing is deduped.
  store.ApplyEvent("u", Ev("c", EventType::kView, 3));
  store.ApplyEvent("u", Ev("c", EventType::kView, 3));
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"a", "b", "c", "c"}));
}

TEST_F(RedisFeatureStoreTest, WithoutConsentEventsAreSkipped) {
  RedisFeatureStore store(client_);
  store.SetProfile("u", Profile(-1, "", false));
  std::vector<FeatureChange> batch{EventChange("u", "ev-1", Ev("a", EventType::kPurchase, 1))};
  std::vector<ApplyOutcome> applied;
  ASSERT_TRUE(store.ApplyBatch(batch, &applied).ok());
  EXPECT_EQ(applied, (std::vector<ApplyOutcome>{ApplyOutcome::kNoConsent}));
  UserFeatures f;
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_TRUE(f.recent.empty());
  EXPECT_TRUE(f.purchased.empty());
  EXPECT_FALSE(f.profile.consent);
  std::vector<TrendingItem> top;
  ASSERT_TRUE(store.TrendingTop(1, 6, 10, &top).ok());
  EXPECT_TRUE(top.empty());

  store.SetProfile("u", Profile(-1, "", true));
  ASSERT_TRUE(store.ApplyBatch(batch, &applied).ok());
  EXPECT_EQ(applied, (std::vector<ApplyOutcome>{ApplyOutcome::kApplied}));
}

TEST_F(RedisFeatureStoreTest, EmptyUserIdIsRejected) {
  RedisFeatureStore store(client_);
  std::vector<FeatureChange> batch{EventChange("u", "", Ev("a", EventType::kView, 1)),
                                   EventChange("", "", Ev("a", EventType::kView, 1))};
  std::vector<ApplyOutcome> applied;
  Status s = store.ApplyBatch(batch, &applied);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("feature change 1"), std::string::npos) << s.message();
  EXPECT_EQ(store.num_users(), 0u);  // nothing of the batch was sent
}

TEST_F(RedisFeatureStoreTest, LocalCacheServesChangesAfterItsWindow) {
  RedisFeatureStore writer(client_);
  RedisFeatureStore replica(client_, {.local_cache_ms = 100});
  writer.ApplyEvent("u", Ev("a", EventType::kView, 1));
  UserFeatures f;
  ASSERT_TRUE(replica.Get("u", &f));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"a"}));

  writer.ApplyEvent("u", Ev("b", EventType::kView, 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ASSERT_TRUE(replica.Get("u", &f));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"a", "b"}));

  // A replica's own write is visible to it at once.
  replica.ApplyEvent("u", Ev("c", EventType::kView, 3));
  ASSERT_TRUE(replica.Get("u", &f));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(RedisFeatureStoreTest, LocalCacheStaysBounded) {
  RedisFeatureStore writer(client_);
  RedisFeatureStore replica(client_, {.local_cache_ms = 60000, .local_cache_entries = 2});
  for (const char* user : {"a", "b", "c"}) writer.ApplyEvent(user, Ev("x", EventType::kView, 1));
  UserFeatures f;
  ASSERT_TRUE(replica.Get("a", &f));
  ASSERT_TRUE(replica.Get("b", &f));
  ASSERT_TRUE(replica.Get("c", &f));  // full: starts over, so "a" is asked again
  writer.ApplyEvent("a", Ev("y", EventType::kView, 2));
  ASSERT_TRUE(replica.Get("a", &f));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"x", "y"}));
}

TEST_F(RedisFeatureStoreTest, TrendingDecaysByHour) {
  RedisFeatureStore store(client_);
  const int64_t hour = 3600 * 1000;
  const int64_t now = 1'700'000'000'000;
  std::vector<FeatureChange> batch{
      EventChange("u1", "1", Ev("view-now", EventType::kView, now)),
      EventChange("u1", "2", Ev("buy-6h-ago", EventType::kPurchase, now - 6 * hour)),
      EventChange("u2", "3", Ev("click-now", EventType::kClick, now)),
      EventChange("u3", "4", Ev("click-now-2", EventType::kClick, now)),
      EventChange("u3", "5", Ev("cart-30h-ago", EventType::kAddToCart, now - 30 * hour)),
      EventChange("u3", "6", Ev("rated-12h-ago", EventType::kRating, now - 12 * hour)),
  };
  std::vector<ApplyOutcome> applied;
  ASSERT_TRUE(store.ApplyBatch(batch, &applied).ok());

  std::vector<TrendingItem> top;
  ASSERT_TRUE(store.TrendingTop(now, 6, 10, &top).ok());
  ASSERT_EQ(top.size(), 5u);  // the 30-hour-old event is outside the 24 hours
  EXPECT_EQ(top[0].item_id, "buy-6h-ago");
  EXPECT_DOUBLE_EQ(top[0].score, 2.5);  // 5 * 2^-(6/6)
  EXPECT_EQ(top[1].item_id, "click-now");  // tie at 2: smaller id first
  EXPECT_DOUBLE_EQ(top[1].score, 2);
  EXPECT_EQ(top[2].item_id, "click-now-2");
  EXPECT_EQ(top[3].item_id, "view-now");
  EXPECT_DOUBLE_EQ(top[3].score, 1);
  EXPECT_EQ(top[4].item_id, "rated-12h-ago");
  EXPECT_DOUBLE_EQ(top[4].score, 0.5);  // others weigh 2, * 2^-(12/6)

  ASSERT_TRUE(store.TrendingTop(now, 6, 2, &top).ok());
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[1].item_id, "click-now");

  ASSERT_TRUE(store.TrendingTop(now, 12, 1, &top).ok());
  EXPECT_DOUBLE_EQ(top[0].score, 5 * std::exp2(-0.5));

  RedisReply ttl = Raw({"TTL", "nba:trend:" + std::to_string(now / hour)});
  EXPECT_GT(ttl.integer, 0);
  EXPECT_LE(ttl.integer, 26 * 3600);

  EXPECT_EQ(store.TrendingTop(now, 0, 10, &top).code(), Status::Code::kInvalidArgument);
}

TEST_F(RedisFeatureStoreTest, CorruptValuesNameTheKey) {
  RedisFeatureStore store(client_);
  Raw({"RPUSH", "nba:u:{u}:e", "1|5|ok", "garbage"});
  UserFeatures f;
  bool found = false;
  Status s = store.Lookup("u", &f, &found);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("nba:u:{u}:e"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("garbage"), std::string::npos) << s.message();

  Raw({"SET", "nba:u:{w}:p", "not a hash"});
  s = store.Lookup("w", &f, &found);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("nba:u:{w}:p"), std::string::npos) << s.message();
}

TEST_F(RedisFeatureStoreTest, ScriptsReloadAfterRedisRestart) {
  RedisFeatureStore store(client_);
  store.ApplyEvent("u", Ev("a", EventType::kView, 1));
  server_.Stop();
  UserFeatures f;
  bool found = false;
  EXPECT_EQ(store.Lookup("u", &f, &found).code(), Status::Code::kUnavailable);
  EXPECT_FALSE(store.Get("u", &f));
  std::vector<FeatureChange> batch{EventChange("u", "ev", Ev("b", EventType::kView, 2))};
  std::vector<ApplyOutcome> applied;
  EXPECT_EQ(store.ApplyBatch(batch, &applied).code(), Status::Code::kUnavailable);
  std::vector<TrendingItem> top;
  EXPECT_EQ(store.TrendingTop(1, 6, 10, &top).code(), Status::Code::kUnavailable);
  EXPECT_EQ(store.num_users(), 0u);
  EXPECT_EQ(store.memory_bytes(), 0u);
  EXPECT_GE(store.errors(), 3u);

  // A fresh server (no persistence) has no scripts: they are loaded again.
  ASSERT_TRUE(server_.Start());
  Status s;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!(s = store.ApplyBatch(batch, &applied)).ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(applied, (std::vector<ApplyOutcome>{ApplyOutcome::kApplied}));
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"b"}));
}

}  // namespace
}  // namespace nba

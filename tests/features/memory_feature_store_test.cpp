// MemoryFeatureStore: ring bound, purchases, profiles, erasure, versions,
// concurrency and the snapshot encoding (round trip and damage).
#include <gtest/gtest.h>

#include <thread>

#include "features/memory_feature_store.h"

namespace nba {
namespace {

UserEvent Ev(const std::string& item, EventType type, int64_t ts) { return UserEvent{item, type, ts}; }

std::vector<std::string> Items(const UserFeatures& f) {
  std::vector<std::string> out;
  for (const UserEvent& e : f.recent) out.push_back(e.item_id);
  return out;
}

TEST(MemoryFeatureStoreTest, UnknownUserIsNotFound) {
  MemoryFeatureStore store;
  UserFeatures f;
  EXPECT_FALSE(store.Get("nobody", &f));
  EXPECT_EQ(store.num_users(), 0u);
}

TEST(MemoryFeatureStoreTest, KeepsTheMostRecentEventsInOrder) {
  MemoryFeatureStore store({.max_events = 3, .shards = 4});
  for (int i = 0; i < 7; ++i) store.ApplyEvent("u", Ev("i" + std::to_string(i), EventType::kView, 100 + i));
  UserFeatures f;
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"i4", "i5", "i6"}));
  EXPECT_EQ(f.recent[0].ts_ms, 104);
  EXPECT_EQ(f.recent[0].type, EventType::kView);
  EXPECT_FALSE(f.has_profile);
}

TEST(MemoryFeatureStoreTest, PurchasesAreSortedUniqueAndOutliveTheRing) {
  MemoryFeatureStore store({.max_events = 2, .shards = 1});
  store.ApplyEvent("u", Ev("b", EventType::kPurchase, 1));
  store.ApplyEvent("u", Ev("a", EventType::kPurchase, 2));
  store.ApplyEvent("u", Ev("b", EventType::kPurchase, 3));
  store.ApplyEvent("u", Ev("c", EventType::kAddToCart, 4));
  store.ApplyEvent("u", Ev("d", EventType::kView, 5));
  UserFeatures f;
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_EQ(f.purchased, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Items(f), (std::vector<std::string>{"c", "d"}));
}

TEST(MemoryFeatureStoreTest, VersionChangesOnEveryUpdateAndIsNeverReusedAfterErase) {
  MemoryFeatureStore store;
  UserFeatures f;
  store.ApplyEvent("u", Ev("a", EventType::kView, 1));
  ASSERT_TRUE(store.Get("u", &f));
  uint64_t v1 = f.version;
  store.SetProfile("u", UserProfile{30, "DE", true});
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_GT(f.version, v1);
  EXPECT_TRUE(f.has_profile);
  EXPECT_EQ(f.profile.age, 30);
  EXPECT_EQ(f.profile.country, "DE");
  uint64_t v2 = f.version;
  store.Erase("u");
  EXPECT_FALSE(store.Get("u", &f));
  EXPECT_EQ(store.num_users(), 0u);
  store.ApplyEvent("u", Ev("a", EventType::kView, 1));
  ASSERT_TRUE(store.Get("u", &f));
  EXPECT_GT(f.version, v2);
  EXPECT_EQ(f.recent.size(), 1u);
  EXPECT_FALSE(f.has_profile);
}

TEST(MemoryFeatureStoreTest, ConsentFalseRefusesEvents) {
  MemoryFeatureStore store;
  EXPECT_TRUE(store.AcceptsEvents("u"));
  store.SetProfile("u", UserProfile{-1, "", false});
  EXPECT_FALSE(store.AcceptsEvents("u"));
  store.SetProfile("u", UserProfile{-1, "", true});
  EXPECT_TRUE(store.AcceptsEvents("u"));
}

TEST(MemoryFeatureStoreTest, ConcurrentWritersLoseNothing) {
  MemoryFeatureStore store({.max_events = 1000, .shards = 8});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 500; ++i) {
        store.ApplyEvent("user" + std::to_string(i % 50), Ev("item" + std::to_string(t * 1000 + i), EventType::kClick, i));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store.num_users(), 50u);
  size_t events = 0;
  for (int u = 0; u < 50; ++u) {
    UserFeatures f;
    ASSERT_TRUE(store.Get("user" + std::to_string(u), &f));
    events += f.recent.size();
  }
  EXPECT_EQ(events, 2000u);
}

TEST(MemoryFeatureStoreTest, MemoryIsCompactPerEvent) {
  MemoryFeatureStore store({.max_events = 50, .shards = 16});
  size_t empty = store.memory_bytes();
  for (int u = 0; u < 1000; ++u) {
    for (int i = 0; i < 50; ++i) store.ApplyEvent("user-" + std::to_string(u), Ev("item-" + std::to_string(i), EventType::kView, i));
  }
  size_t per_user = (store.memory_bytes() - empty) / 1000;
  EXPECT_GE(per_user, 50u * 16);  // the ring itself
  EXPECT_LE(per_user, 50u * 16 + 400);
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int u = 0; u < 20; ++u) {
      std::string id = "u" + std::to_string(u);
      for (int i = 0; i < 7; ++i) {
        EventType type = i % 3 == 0 ? EventType::kPurchase : EventType::kView;
        src_.ApplyEvent(id, Ev("item" + std::to_string((u + i) % 9), type, 1000 * u + i));
      }
      if (u % 2 == 0) src_.SetProfile(id, UserProfile{u, u % 4 == 0 ? "FR" : "", u % 3 != 0});
    }
    src_.EncodeSnapshot(4242, &data_);
  }

  MemoryFeatureStore src_{{.max_events = 5, .shards = 4}};
  std::string data_;
};

TEST_F(SnapshotTest, RoundTripRestoresEveryUserExactly) {
  MemoryFeatureStore dst({.max_events = 5, .shards = 7});
  dst.ApplyEvent("stale", Ev("x", EventType::kView, 1));  // replaced, not merged
  uint64_t seq = 0;
  Status s = dst.DecodeSnapshot(data_, "snap", &seq);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seq, 4242u);
  EXPECT_EQ(dst.num_users(), 20u);
  UserFeatures f;
  EXPECT_FALSE(dst.Get("stale", &f));
  for (int u = 0; u < 20; ++u) {
    std::string id = "u" + std::to_string(u);
    UserFeatures a, b;
    ASSERT_TRUE(src_.Get(id, &a));
    ASSERT_TRUE(dst.Get(id, &b));
    EXPECT_EQ(Items(a), Items(b)) << id;
    EXPECT_EQ(a.purchased, b.purchased) << id;
    EXPECT_EQ(a.version, b.version) << id;
    EXPECT_EQ(a.has_profile, b.has_profile);
    EXPECT_EQ(a.profile.age, b.profile.age);
    EXPECT_EQ(a.profile.country, b.profile.country);
    EXPECT_EQ(a.profile.consent, b.profile.consent);
    for (size_t i = 0; i < a.recent.size(); ++i) {
      EXPECT_EQ(a.recent[i].ts_ms, b.recent[i].ts_ms);
      EXPECT_EQ(a.recent[i].type, b.recent[i].type);
    }
  }
  // New versions stay above the restored ones.
  UserFeatures before;
  ASSERT_TRUE(dst.Get("u19", &before));
  dst.ApplyEvent("u0", Ev("new", EventType::kView, 1));
  ASSERT_TRUE(dst.Get("u0", &f));
  EXPECT_GT(f.version, before.version);
}

TEST_F(SnapshotTest, SmallerMaxEventsKeepsTheMostRecent) {
  MemoryFeatureStore dst({.max_events = 2, .shards = 1});
  uint64_t seq = 0;
  ASSERT_TRUE(dst.DecodeSnapshot(data_, "snap", &seq).ok());
  UserFeatures a, b;
  ASSERT_TRUE(src_.Get("u3", &a));
  ASSERT_TRUE(dst.Get("u3", &b));
  EXPECT_EQ(Items(b), (std::vector<std::string>{a.recent[3].item_id, a.recent[4].item_id}));
}

TEST_F(SnapshotTest, DamageIsCorruptionNamingTheFile) {
  MemoryFeatureStore dst;
  uint64_t seq = 0;
  std::string flipped = data_;
  flipped[data_.size() / 2] ^= 0x20;
  Status s = dst.DecodeSnapshot(flipped, "features.snap", &seq);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("features.snap"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.message();
  EXPECT_FALSE(dst.DecodeSnapshot(data_.substr(0, data_.size() - 9), "f", &seq).ok());
  EXPECT_NE(dst.DecodeSnapshot("garbage!", "f", &seq).message().find("magic"), std::string::npos);
}

}  // namespace
}  // namespace nba

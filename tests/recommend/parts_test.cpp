// The recommender's building blocks on their own: trending decay, the LRU
// cache, the flags and the audit log's flush.
#include <fstream>

#include <gtest/gtest.h>

#include "../registry/temp_dir.h"
#include "recommend/audit_log.h"
#include "recommend/flags.h"
#include "recommend/recommendation_cache.h"
#include "recommend/trending.h"

namespace nba {
namespace {

TEST(TrendingTest, OlderEventsDecayByHalfLife) {
  TrendingOptions o;
  o.half_life_hours = 1;
  o.refresh_ms = 0;
  Trending t(o);
  const int64_t hour = 3600 * 1000;
  t.Add("old", EventType::kPurchase, 0);  // 5, halved twice by the newest event: 1.25
  t.Add("new", EventType::kView, 2 * hour);
  t.Add("new", EventType::kView, 2 * hour);
  auto top = t.Top();
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ((*top)[0].item_id, "new");
  EXPECT_DOUBLE_EQ((*top)[0].score, 2);
  EXPECT_DOUBLE_EQ((*top)[1].score, 1.25);
  // Far in the future (past the rescaling point) the order still follows the decay.
  t.Add("later", EventType::kView, 1000 * hour);
  EXPECT_EQ((*t.Top())[0].item_id, "later");
  EXPECT_DOUBLE_EQ((*t.Top())[0].score, 1);
}

TEST(RecommendationCacheTest, EvictsTheLeastRecentlyUsed) {
  RecommendationCache cache(2, 1);
  auto rec = std::make_shared<const Recommendation>();
  cache.Put("a", rec);
  cache.Put("b", rec);
  EXPECT_NE(cache.Get("a"), nullptr);  // "b" is now the least recent
  cache.Put("c", rec);
  EXPECT_EQ(cache.Get("b"), nullptr);
  EXPECT_NE(cache.Get("a"), nullptr);
  EXPECT_NE(cache.Get("c"), nullptr);
  EXPECT_EQ(cache.size(), 2u);
  RecommendationCache off(0);
  off.Put("a", rec);
  EXPECT_EQ(off.Get("a"), nullptr);
}

TEST(RecommendFlagsTest, ConfigAndUpdates) {
  ServerConfig config;
  config.features["cache_enabled"] = false;
  config.features["fallback_strategy"] = std::string("none");
  RecommendFlags f;
  ASSERT_TRUE(RecommendFlags::FromConfig(config, &f).ok());
  EXPECT_FALSE(f.cache_enabled);
  EXPECT_EQ(f.fallback_strategy, "none");
  std::string field;
  EXPECT_FALSE(f.Update(nlohmann::json{{"filter_age", false}, {"bogus", true}}, &field).ok());
  EXPECT_EQ(field, "bogus");
  EXPECT_TRUE(f.filter_age);  // nothing applied from a rejected update
  ASSERT_TRUE(f.Update(nlohmann::json{{"filter_age", false}}, &field).ok());
  EXPECT_FALSE(f.filter_age);
  config.features["fallback_strategy"] = std::string("random");
  EXPECT_FALSE(RecommendFlags::FromConfig(config, &f).ok());
}

TEST(AuditLogTest, FlushWritesEveryLineAndCloseDrainsTheRest) {
  testing::TempDir dir;
  AuditLogOptions o;
  o.path = dir / "audit.jsonl";
  o.flush_ms = 60000;  // only Flush / Close / flush_records write
  o.flush_records = 1000;
  std::unique_ptr<AuditLog> log;
  ASSERT_TRUE(AuditLog::Open(o, &log).ok());
  log->Append("{\"n\":1}");
  ASSERT_TRUE(log->Flush().ok());
  log->Append("{\"n\":2}");
  log->Close();
  log->Append("{\"n\":3}");  // after Close: dropped, counted
  EXPECT_EQ(log->dropped(), 1u);
  std::ifstream in(o.path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "{\"n\":1}\n{\"n\":2}\n");
  o.path = dir / "missing/dir/audit.jsonl";
  EXPECT_FALSE(AuditLog::Open(o, &log).ok());
}

}  // namespace
}  // namespace nba

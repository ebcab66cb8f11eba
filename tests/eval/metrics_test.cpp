#include "eval/metrics.h"

#include <cmath>

#include <gtest/gtest.h>

namespace nba {
namespace {

TEST(MetricsTest, RankZeroEarnsFullCredit) {
  EXPECT_DOUBLE_EQ(NdcgAt(0, 10), 1.0);
  EXPECT_DOUBLE_EQ(HitAt(0, 10), 1.0);
  EXPECT_DOUBLE_EQ(MrrAt(0, 10), 1.0);
}

TEST(MetricsTest, RankThree) {
  EXPECT_DOUBLE_EQ(NdcgAt(3, 10), 1.0 / std::log2(5.0));  // 0.4307
  EXPECT_NEAR(NdcgAt(3, 10), 0.430677, 1e-6);
  EXPECT_DOUBLE_EQ(HitAt(3, 10), 1.0);
  EXPECT_DOUBLE_EQ(MrrAt(3, 10), 0.25);
  EXPECT_DOUBLE_EQ(NdcgAt(3, 3), 0.0);  // rank 3 is the 4th place: outside top 3
}

TEST(MetricsTest, RankAtOrBeyondCutoffEarnsNothing) {
  EXPECT_DOUBLE_EQ(NdcgAt(9, 10), 1.0 / std::log2(11.0));
  EXPECT_DOUBLE_EQ(MrrAt(9, 10), 0.1);
  for (size_t rank : {size_t{10}, size_t{11}, size_t{5000}, kUnranked}) {
    EXPECT_DOUBLE_EQ(NdcgAt(rank, 10), 0.0) << rank;
    EXPECT_DOUBLE_EQ(HitAt(rank, 10), 0.0) << rank;
    EXPECT_DOUBLE_EQ(MrrAt(rank, 10), 0.0) << rank;
  }
}

TEST(MetricSetTest, EmptySetHasZeroMeans) {
  MetricSet m;
  EXPECT_EQ(m.count(), 0u);
  EXPECT_DOUBLE_EQ(m.Ndcg(10), 0.0);
  EXPECT_DOUBLE_EQ(m.HitRate(5), 0.0);
  EXPECT_DOUBLE_EQ(m.Mrr(20), 0.0);
}

TEST(MetricSetTest, MeansOverCases) {
  MetricSet m;
  m.Add(0);
  m.Add(3);
  m.Add(7);
  m.Add(kUnranked);
  EXPECT_EQ(m.count(), 4u);
  EXPECT_DOUBLE_EQ(m.HitRate(5), 2.0 / 4);
  EXPECT_DOUBLE_EQ(m.HitRate(10), 3.0 / 4);
  EXPECT_DOUBLE_EQ(m.Ndcg(5), (1.0 + 1.0 / std::log2(5.0)) / 4);
  EXPECT_DOUBLE_EQ(m.Ndcg(20), (1.0 + 1.0 / std::log2(5.0) + 1.0 / std::log2(9.0)) / 4);
  EXPECT_DOUBLE_EQ(m.Mrr(10), (1.0 + 0.25 + 0.125) / 4);
}

TEST(MetricSetTest, MergeEqualsAddingEverything) {
  MetricSet a, b, all;
  for (size_t r : {0, 4, 12}) {
    a.Add(r);
    all.Add(r);
  }
  for (size_t r : {1, 25}) {
    b.Add(r);
    all.Add(r);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), 5u);
  EXPECT_EQ(a.ToJson(), all.ToJson());
}

TEST(MetricSetTest, JsonHasEveryMetricAtEveryCutoff) {
  MetricSet m;
  m.Add(3);
  const nlohmann::json j = m.ToJson();
  EXPECT_EQ(j.size(), 1 + 3 * kCutoffs.size());
  EXPECT_EQ(j["count"], 1);
  EXPECT_DOUBLE_EQ(j["ndcg@10"].get<double>(), 1.0 / std::log2(5.0));
  EXPECT_DOUBLE_EQ(j["hr@5"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["mrr@20"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(j["hr@10"].get<double>(), 1.0);
  EXPECT_TRUE(j.contains("ndcg@5"));
  EXPECT_TRUE(j.contains("mrr@5"));
  EXPECT_TRUE(j.contains("ndcg@20"));
  EXPECT_TRUE(j.contains("hr@20"));
  EXPECT_TRUE(j.contains("mrr@10"));
}

}  // namespace
}  // namespace nba

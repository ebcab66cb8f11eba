#include "eval/evaluator.h"

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace nba {
namespace {

// A scorer whose answers the test knows: score(case, item).
class FakeScorer : public Scorer {
 public:
  FakeScorer(size_t num_items, std::function<float(const EvalCase&, uint32_t)> score)
      : num_items_(num_items), score_(std::move(score)) {}

  size_t num_items() const override { return num_items_; }
  void Score(std::span<const EvalCase* const> cases, float* scores) override {
    batch_sizes.push_back(cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      float* row = scores + i * (num_items_ + 1);
      row[0] = 1e30f;  // padding: must never count as a candidate
      for (uint32_t item = 1; item <= num_items_; ++item) row[item] = score_(*cases[i], item);
    }
  }

  std::vector<size_t> batch_sizes;  // not thread-safe: single-threaded tests only

 private:
  size_t num_items_;
  std::function<float(const EvalCase&, uint32_t)> score_;
};

float ItemId(const EvalCase&, uint32_t item) { return static_cast<float>(item); }

EvalCase MakeCase(uint32_t user, std::vector<uint32_t> history, uint32_t target) {
  EvalCase c;
  c.user = user;
  for (uint32_t item : history) c.history.push_back({item, EventType::kView, 0});
  c.target = target;
  return c;
}

EvalResult EvaluateOk(Scorer& scorer, const std::vector<EvalCase>& cases, const EvalOptions& options) {
  EvalResult result;
  const Status s = Evaluate(scorer, cases, options, &result);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return result;
}

TEST(EvaluatorTest, ScoreIsItemIdGivesExactMetrics) {
  FakeScorer scorer(50, ItemId);
  // Items 41..50 score higher than target 40: rank 10.
  const EvalResult r = EvaluateOk(scorer, {MakeCase(0, {}, 40)}, EvalOptions());
  EXPECT_EQ(r.full.count(), 1u);
  EXPECT_EQ(r.sampled.count(), 0u);
  EXPECT_DOUBLE_EQ(r.full.HitRate(10), 0.0);
  EXPECT_DOUBLE_EQ(r.full.HitRate(20), 1.0);
  EXPECT_DOUBLE_EQ(r.full.Ndcg(20), 1.0 / std::log2(12.0));
  EXPECT_DOUBLE_EQ(r.full.Mrr(20), 1.0 / 11);
}

TEST(EvaluatorTest, SeenItemsAreExcludedUnlessIncludeSeen) {
  FakeScorer scorer(50, ItemId);
  // 45, 47 and 50 (seen, 47 twice) rank above 40; 3 ranks below and changes nothing.
  const std::vector<EvalCase> cases = {MakeCase(0, {45, 3, 47, 50, 47}, 40)};
  const EvalResult excluded = EvaluateOk(scorer, cases, EvalOptions());
  EXPECT_DOUBLE_EQ(excluded.full.Ndcg(10), 1.0 / std::log2(9.0));  // rank 7
  EXPECT_DOUBLE_EQ(excluded.full.HitRate(5), 0.0);

  EvalOptions options;
  options.include_seen = true;
  const EvalResult included = EvaluateOk(scorer, cases, options);
  EXPECT_DOUBLE_EQ(included.full.Ndcg(10), 0.0);  // rank 10
  EXPECT_DOUBLE_EQ(included.full.Mrr(20), 1.0 / 11);
}

TEST(EvaluatorTest, TargetInHistoryIsNeverExcluded) {
  FakeScorer scorer(50, ItemId);
  // A repeat purchase: 40 was seen before. Only 45 is removed: rank 9.
  const EvalResult r = EvaluateOk(scorer, {MakeCase(0, {40, 45, 40}, 40)}, EvalOptions());
  EXPECT_DOUBLE_EQ(r.full.Mrr(10), 0.1);
  EXPECT_DOUBLE_EQ(r.full.Ndcg(10), 1.0 / std::log2(11.0));
}

TEST(EvaluatorTest, TiesCountAgainstTheTarget) {
  // A constant scorer over 5 items: the target ties with the other 4.
  FakeScorer constant(5, [](const EvalCase&, uint32_t) { return 1.0f; });
  const EvalResult r = EvaluateOk(constant, {MakeCase(0, {}, 3)}, EvalOptions());
  EXPECT_DOUBLE_EQ(r.full.Mrr(5), 0.2);  // rank 4
  EXPECT_DOUBLE_EQ(r.full.Ndcg(5), 1.0 / std::log2(6.0));

  // Over 50 items a constant scorer earns nothing at all.
  FakeScorer wide(50, [](const EvalCase&, uint32_t) { return 1.0f; });
  const EvalResult w = EvaluateOk(wide, {MakeCase(0, {1, 2}, 3)}, EvalOptions());
  EXPECT_DOUBLE_EQ(w.full.HitRate(20), 0.0);

  // Target 7 ties with 6 (score 3 each), 8..9 score higher: rank 3.
  FakeScorer halves(9, [](const EvalCase&, uint32_t item) { return static_cast<float>(item / 2); });
  const EvalResult h = EvaluateOk(halves, {MakeCase(0, {}, 7)}, EvalOptions());
  EXPECT_DOUBLE_EQ(h.full.Mrr(5), 0.25);
}

TEST(EvaluatorTest, MinusInfinityAndNanScores) {
  // A model may mask items with -inf; a target at -inf still ranks below the rest.
  const float inf = std::numeric_limits<float>::infinity();
  FakeScorer masked(10, [&](const EvalCase&, uint32_t item) { return item <= 2 ? -inf : 0.0f; });
  const EvalResult m = EvaluateOk(masked, {MakeCase(0, {1}, 2)}, EvalOptions());
  EXPECT_DOUBLE_EQ(m.full.Mrr(10), 1.0 / 9);  // rank 8: 3..10 above, seen 1 excluded, no tie
  // A NaN target cannot be ranked and earns nothing, but counts as a case.
  FakeScorer nan(10, [](const EvalCase&, uint32_t item) {
    return item == 4 ? std::numeric_limits<float>::quiet_NaN() : 0.0f;
  });
  EvalOptions both;
  both.sampled = true;
  const EvalResult n = EvaluateOk(nan, {MakeCase(0, {}, 4), MakeCase(1, {}, 5)}, both);
  EXPECT_EQ(n.full.count(), 2u);
  EXPECT_DOUBLE_EQ(n.full.HitRate(20), 0.5);  // case 2: rank 8 (ties with 8 others, NaN not)
  EXPECT_DOUBLE_EQ(n.full.Mrr(20), 1.0 / 9 / 2);
  EXPECT_DOUBLE_EQ(n.sampled.HitRate(20), 0.5);
}

TEST(EvaluatorTest, SampledNeverDrawsTheUsersItems) {
  // The user's items outscore the target; everything else scores below it.
  // Full ranking with seen items sees them; the sampled protocol never does.
  const std::vector<uint32_t> history = {3, 17, 256, 999};
  FakeScorer scorer(1000, [](const EvalCase& c, uint32_t item) {
    if (item == c.target) return 0.5f;
    for (const Interaction& e : c.history) {
      if (e.item == item) return 1.0f;
    }
    return 0.0f;
  });
  std::vector<EvalCase> cases;
  for (uint32_t u = 0; u < 50; ++u) cases.push_back(MakeCase(u, history, 500 + u));
  EvalOptions options;
  options.sampled = true;
  options.include_seen = true;
  const EvalResult r = EvaluateOk(scorer, cases, options);
  EXPECT_EQ(r.sampled.count(), 50u);
  EXPECT_DOUBLE_EQ(r.sampled.Mrr(5), 1.0);  // rank 0 every time
  EXPECT_DOUBLE_EQ(r.full.Mrr(5), 0.2);     // rank 4 every time
}

TEST(EvaluatorTest, SampledRanksAmongOneHundredNegatives) {
  // Score = item id, target 1 is the lowest: below all 100 negatives.
  FakeScorer scorer(1000, ItemId);
  EvalOptions options;
  options.full = false;
  options.sampled = true;
  const EvalResult low = EvaluateOk(scorer, {MakeCase(0, {}, 1)}, options);
  EXPECT_EQ(low.full.count(), 0u);
  EXPECT_DOUBLE_EQ(low.sampled.HitRate(20), 0.0);
  // Target 1000 is the highest: rank 0.
  const EvalResult high = EvaluateOk(scorer, {MakeCase(0, {}, 1000)}, options);
  EXPECT_DOUBLE_EQ(high.sampled.Ndcg(5), 1.0);
  // With 5 negatives instead, target 1 ranks 5th of 6.
  options.num_negatives = 5;
  const EvalResult five = EvaluateOk(scorer, {MakeCase(0, {}, 1)}, options);
  EXPECT_DOUBLE_EQ(five.sampled.Mrr(10), 1.0 / 6);
}

TEST(EvaluatorTest, SampledOnSmallCatalogueUsesEveryFreeItem) {
  // 10 items, user owns 1, 2 and target 5: the 7 free items are all drawn,
  // and 6..10 outrank the target: rank 5.
  FakeScorer scorer(10, ItemId);
  EvalOptions options;
  options.sampled = true;
  const EvalResult r = EvaluateOk(scorer, {MakeCase(0, {1, 2}, 5)}, options);
  EXPECT_DOUBLE_EQ(r.sampled.HitRate(5), 0.0);
  EXPECT_DOUBLE_EQ(r.sampled.Ndcg(10), 1.0 / std::log2(7.0));
  EXPECT_DOUBLE_EQ(r.full.Ndcg(10), 1.0 / std::log2(7.0));  // same candidates
}

// A scorer whose ranking looks random, so sampled metrics depend on the negatives.
float Hashed(const EvalCase&, uint32_t item) {
  return static_cast<float>((item * 2654435761u) % 10007u);
}

std::vector<EvalCase> ManyCases() {
  std::vector<EvalCase> cases;
  for (uint32_t u = 0; u < 300; ++u) cases.push_back(MakeCase(u, {u % 97 + 1, u % 13 + 200}, u + 300));
  return cases;
}

TEST(EvaluatorTest, SampledIsDeterministicBySeed) {
  const std::vector<EvalCase> cases = ManyCases();
  EvalOptions options;
  options.sampled = true;
  FakeScorer scorer(2000, Hashed);
  const EvalResult a = EvaluateOk(scorer, cases, options);
  const EvalResult b = EvaluateOk(scorer, cases, options);
  EXPECT_EQ(a.ToJson(), b.ToJson());
  options.seed = 43;
  const EvalResult c = EvaluateOk(scorer, cases, options);
  EXPECT_EQ(a.ToJson()["full"], c.ToJson()["full"]);
  EXPECT_NE(a.ToJson()["sampled"], c.ToJson()["sampled"]);
}

TEST(EvaluatorTest, BatchesOfTheRequestedSize) {
  FakeScorer scorer(20, ItemId);
  std::vector<EvalCase> cases(10, MakeCase(0, {}, 20));
  EvalOptions options;
  options.batch_size = 4;
  const EvalResult r = EvaluateOk(scorer, cases, options);
  EXPECT_EQ(scorer.batch_sizes, (std::vector<size_t>{4, 4, 2}));
  EXPECT_EQ(r.full.count(), 10u);
  EXPECT_DOUBLE_EQ(r.full.Ndcg(5), 1.0);
}

TEST(EvaluatorTest, SameResultForAnyBatchSizeAndThreadCount) {
  const std::vector<EvalCase> cases = ManyCases();
  // Concurrent calls: a scorer without recording state.
  class Pure : public Scorer {
   public:
    size_t num_items() const override { return 2000; }
    void Score(std::span<const EvalCase* const> cases, float* scores) override {
      for (size_t i = 0; i < cases.size(); ++i) {
        for (uint32_t item = 0; item <= 2000; ++item) scores[i * 2001 + item] = Hashed(*cases[i], item);
      }
    }
  } scorer;
  EvalOptions options;
  options.sampled = true;
  const EvalResult one = EvaluateOk(scorer, cases, options);
  EXPECT_EQ(one.full.count(), 300u);
  options.batch_size = 7;
  options.num_threads = 3;
  EXPECT_EQ(EvaluateOk(scorer, cases, options).ToJson(), one.ToJson());
  options.batch_size = 1000;
  options.num_threads = 4;
  EXPECT_EQ(EvaluateOk(scorer, cases, options).ToJson(), one.ToJson());
}

TEST(EvaluatorTest, NoCases) {
  FakeScorer scorer(20, ItemId);
  const EvalResult r = EvaluateOk(scorer, {}, EvalOptions());
  EXPECT_EQ(r.full.count(), 0u);
  EXPECT_TRUE(scorer.batch_sizes.empty());
  EXPECT_EQ(r.ToJson(), nlohmann::json::object());
}

TEST(EvaluatorTest, JsonHasEachProtocolComputed) {
  FakeScorer scorer(200, ItemId);
  EvalOptions options;
  options.sampled = true;
  const nlohmann::json j = EvaluateOk(scorer, {MakeCase(0, {}, 150)}, options).ToJson();
  EXPECT_EQ(j["full"]["count"], 1);
  EXPECT_DOUBLE_EQ(j["full"]["hr@10"].get<double>(), 0.0);
  EXPECT_EQ(j["sampled"]["count"], 1);
  EXPECT_TRUE(j["sampled"].contains("ndcg@10"));
}

TEST(EvaluatorTest, ItemsOutsideTheScorerAreErrors) {
  FakeScorer scorer(20, ItemId);
  struct Bad {
    EvalCase c;
    const char* expected;
  };
  const Bad bad[] = {
      {MakeCase(7, {}, 0), "case 1 (user 7): target item 0 is outside the scorer's items 1..20"},
      {MakeCase(7, {}, 21), "case 1 (user 7): target item 21"},
      {MakeCase(7, {5, 0}, 3), "case 1 (user 7): history[1] item 0"},
      {MakeCase(7, {25}, 3), "case 1 (user 7): history[0] item 25"},
  };
  for (const Bad& b : bad) {
    EvalResult result;
    result.full.Add(0);  // stale content must not survive a failure
    const Status s = Evaluate(scorer, std::vector<EvalCase>{MakeCase(0, {}, 1), b.c}, EvalOptions(), &result);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(s.message().find(b.expected), std::string::npos) << s.message();
    EXPECT_EQ(result.full.count(), 0u);
  }
  EXPECT_TRUE(scorer.batch_sizes.empty()) << "scored before checking";
}

TEST(EvaluatorTest, BadOptionsAreErrors) {
  FakeScorer scorer(20, ItemId);
  const std::vector<EvalCase> cases = {MakeCase(0, {}, 1)};
  EvalResult result;
  EvalOptions none;
  none.full = false;
  EXPECT_NE(Evaluate(scorer, cases, none, &result).message().find("no protocol"), std::string::npos);
  EvalOptions zero_batch;
  zero_batch.batch_size = 0;
  EXPECT_NE(Evaluate(scorer, cases, zero_batch, &result).message().find("batch_size"), std::string::npos);
  EvalOptions zero_threads;
  zero_threads.num_threads = 0;
  EXPECT_NE(Evaluate(scorer, cases, zero_threads, &result).message().find("num_threads"), std::string::npos);
  FakeScorer empty(0, ItemId);
  EXPECT_EQ(Evaluate(empty, cases, EvalOptions(), &result).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(scorer.batch_sizes.empty());
}

}  // namespace
}  // namespace nba

#include "eval/popularity.h"

#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "eval/evaluator.h"

namespace nba {
namespace {

std::vector<Interaction> Events(std::vector<uint32_t> items) {
  std::vector<Interaction> out;
  for (uint32_t item : items) out.push_back({item, EventType::kPurchase, 0});
  return out;
}

EvalCase MakeCase(std::vector<uint32_t> history, uint32_t target) {
  EvalCase c;
  c.history = Events(std::move(history));
  c.target = target;
  return c;
}

TEST(PopularityScorerTest, ScoresAreTrainingEventCounts) {
  const std::vector<std::vector<Interaction>> train = {Events({3, 1, 3}), {}, Events({3, 2, 1, 3})};
  std::unique_ptr<PopularityScorer> scorer;
  ASSERT_TRUE(PopularityScorer::Build(5, train, &scorer).ok());
  EXPECT_EQ(scorer->num_items(), 5u);
  const EvalCase a = MakeCase({1}, 2), b = MakeCase({}, 4);
  const EvalCase* cases[] = {&a, &b};
  std::vector<float> scores(2 * 6, -1.0f);
  scorer->Score(cases, scores.data());
  const std::vector<float> row = {0, 2, 1, 4, 0, 0};
  EXPECT_EQ(std::vector<float>(scores.begin(), scores.begin() + 6), row);
  EXPECT_EQ(std::vector<float>(scores.begin() + 6, scores.end()), row);
}

TEST(PopularityScorerTest, RanksByPopularity) {
  // Counts: 3 -> 4, 1 -> 2, 2 -> 1, 4 and 5 -> 0.
  const std::vector<std::vector<Interaction>> train = {Events({3, 1, 3, 3}), Events({3, 2, 1})};
  std::unique_ptr<PopularityScorer> scorer;
  ASSERT_TRUE(PopularityScorer::Build(5, train, &scorer).ok());
  const std::vector<EvalCase> cases = {
      MakeCase({}, 3),   // most popular: rank 0
      MakeCase({}, 2),   // below 3 and 1: rank 2
      MakeCase({3}, 2),  // 3 seen and excluded: rank 1
      MakeCase({}, 4),   // ties with 5, below 3 others: rank 4
  };
  EvalOptions options;
  options.num_threads = 2;
  options.batch_size = 1;
  EvalResult r;
  ASSERT_TRUE(Evaluate(*scorer, cases, options, &r).ok());
  EXPECT_DOUBLE_EQ(r.full.Mrr(5), (1.0 + 1.0 / 3 + 1.0 / 2 + 1.0 / 5) / 4);
}

TEST(PopularityScorerTest, ItemOutsideRangeIsAnError) {
  std::unique_ptr<PopularityScorer> scorer;
  const std::vector<std::vector<Interaction>> too_big = {Events({1}), Events({2, 6})};
  Status s = PopularityScorer::Build(5, too_big, &scorer);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("sequence 1 event 1: item 6 is outside 1..5"), std::string::npos)
      << s.message();
  EXPECT_EQ(scorer, nullptr);
  const std::vector<std::vector<Interaction>> padding = {Events({0})};
  EXPECT_FALSE(PopularityScorer::Build(5, padding, &scorer).ok());
}

}  // namespace
}  // namespace nba

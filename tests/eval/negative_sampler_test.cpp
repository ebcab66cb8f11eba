#include "eval/negative_sampler.h"

#include <algorithm>
#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace nba {
namespace {

EvalCase MakeCase(uint32_t user, std::vector<uint32_t> history, uint32_t target) {
  EvalCase c;
  c.user = user;
  for (uint32_t item : history) c.history.push_back({item, EventType::kView, 0});
  c.target = target;
  return c;
}

std::vector<uint32_t> Range(uint32_t first, uint32_t last) {
  std::vector<uint32_t> out;
  for (uint32_t i = first; i <= last; ++i) out.push_back(i);
  return out;
}

// Checks `negatives` are `count` distinct items of 1..num_items, none the user's.
void ExpectValid(const EvalCase& c, const std::vector<uint32_t>& negatives, size_t num_items,
                 size_t count) {
  EXPECT_EQ(negatives.size(), count);
  const std::set<uint32_t> distinct(negatives.begin(), negatives.end());
  EXPECT_EQ(distinct.size(), negatives.size()) << "repeated negative";
  for (uint32_t item : negatives) {
    EXPECT_GE(item, 1u);
    EXPECT_LE(item, num_items);
    EXPECT_NE(item, c.target);
    for (const Interaction& e : c.history) EXPECT_NE(item, e.item);
  }
}

TEST(NegativeSamplerTest, DrawsDistinctItemsTheUserNeverHad) {
  NegativeSampler sampler(1000, 100, 7);
  const EvalCase c = MakeCase(3, Range(1, 60), 500);
  std::vector<uint32_t> negatives;
  sampler.Sample(c, &negatives);
  ExpectValid(c, negatives, 1000, 100);
}

TEST(NegativeSamplerTest, UserOwningMostOfTheCatalogue) {
  // 250 of 400 items owned: 150 free, more than 100 but under half the catalogue.
  NegativeSampler sampler(400, 100, 7);
  const EvalCase c = MakeCase(3, Range(1, 249), 300);
  std::vector<uint32_t> negatives;
  sampler.Sample(c, &negatives);
  ExpectValid(c, negatives, 400, 100);
}

TEST(NegativeSamplerTest, SmallCatalogueTakesEveryFreeItem) {
  NegativeSampler sampler(30, 100, 7);
  const EvalCase c = MakeCase(0, {1, 2, 3, 4, 5}, 6);
  std::vector<uint32_t> negatives;
  sampler.Sample(c, &negatives);
  std::sort(negatives.begin(), negatives.end());
  EXPECT_EQ(negatives, Range(7, 30));
}

TEST(NegativeSamplerTest, RepeatedItemsAreOwnedOnce) {
  // 105 items, the user owns 2 (item 1 seen 5 times, target 2 also in history).
  NegativeSampler sampler(105, 100, 7);
  const EvalCase c = MakeCase(0, {1, 1, 2, 1, 1, 1}, 2);
  std::vector<uint32_t> negatives;
  sampler.Sample(c, &negatives);
  ExpectValid(c, negatives, 105, 100);
}

TEST(NegativeSamplerTest, NoFreeItemGivesNoNegatives) {
  NegativeSampler sampler(3, 100, 7);
  std::vector<uint32_t> negatives = {9};
  sampler.Sample(MakeCase(0, {1, 2}, 3), &negatives);
  EXPECT_TRUE(negatives.empty());
}

TEST(NegativeSamplerTest, SameSeedSameNegativesWhateverTheCallOrder) {
  const EvalCase a = MakeCase(1, {10, 20, 30}, 40);
  const EvalCase b = MakeCase(2, {11, 21}, 41);
  NegativeSampler first(5000, 100, 42);
  NegativeSampler second(5000, 100, 42);
  std::vector<uint32_t> a1, a2, b1, b2;
  first.Sample(a, &a1);
  first.Sample(b, &b1);
  second.Sample(b, &b2);
  second.Sample(a, &a2);
  second.Sample(a, &b2);  // again: the marks of earlier cases do not leak
  EXPECT_EQ(a1, a2);
  EXPECT_EQ(a1, b2);
  EXPECT_NE(a1, b1);
}

TEST(NegativeSamplerTest, OtherSeedOtherNegatives) {
  const EvalCase c = MakeCase(1, {10, 20, 30}, 40);
  NegativeSampler one(5000, 100, 1);
  NegativeSampler two(5000, 100, 2);
  std::vector<uint32_t> n1, n2;
  one.Sample(c, &n1);
  two.Sample(c, &n2);
  EXPECT_NE(n1, n2);
}

}  // namespace
}  // namespace nba

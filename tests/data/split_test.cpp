#include "data/split.h"

#include <gtest/gtest.h>

namespace nba {
namespace {

// User u's sequence is items with ts given, all views.
Dataset Make(const std::vector<std::vector<std::pair<uint32_t, int64_t>>>& users) {
  Dataset d;
  for (uint32_t i = 1; i <= 9; ++i) d.items.Intern(std::to_string(i));
  for (size_t u = 0; u < users.size(); ++u) {
    d.users.Intern("u" + std::to_string(u));
    d.sequences.emplace_back();
    for (auto [item, ts] : users[u]) d.sequences.back().push_back({item, EventType::kView, ts});
  }
  return d;
}

std::vector<uint32_t> Items(const std::vector<Interaction>& seq) {
  std::vector<uint32_t> out;
  for (const Interaction& e : seq) out.push_back(e.item);
  return out;
}

using V = std::vector<uint32_t>;

TEST(LeaveOneOutTest, LastIsTestSecondLastIsValid) {
  Dataset d = Make({{{1, 0}, {2, 1}, {3, 2}, {4, 3}}, {{5, 0}, {6, 1}}, {{7, 0}, {8, 1}, {9, 2}}});
  Split s = LeaveOneOut(d);
  ASSERT_EQ(s.train.size(), 3u);
  EXPECT_EQ(Items(s.train[0]), (V{1, 2}));
  EXPECT_EQ(Items(s.train[1]), (V{5, 6}));  // too short: training only
  EXPECT_EQ(Items(s.train[2]), (V{7}));
  ASSERT_EQ(s.valid.size(), 2u);
  ASSERT_EQ(s.test.size(), 2u);
  EXPECT_EQ(s.valid[0].user, 0u);
  EXPECT_EQ(s.valid[0].target, 3u);
  EXPECT_EQ(Items(s.valid[0].history), (V{1, 2}));
  EXPECT_EQ(s.test[0].target, 4u);
  EXPECT_EQ(Items(s.test[0].history), (V{1, 2, 3}));
  EXPECT_EQ(s.valid[1].user, 2u);
  EXPECT_EQ(s.valid[1].target, 8u);
  EXPECT_EQ(s.test[1].user, 2u);
  EXPECT_EQ(s.test[1].target, 9u);
  EXPECT_EQ(Items(s.test[1].history), (V{7, 8}));
}

TEST(TrainingWithValidationTest, AddsEachUsersValidationEventAndNothingLater) {
  Dataset d = Make({{{1, 0}, {2, 1}, {3, 2}, {4, 3}}, {{5, 0}, {6, 1}}});
  Split loo = LeaveOneOut(d);
  auto train = TrainingWithValidation(d, loo);
  ASSERT_EQ(train.size(), 2u);
  EXPECT_EQ(Items(train[0]), (V{1, 2, 3}));  // the test event 4 stays out
  EXPECT_EQ(Items(train[1]), (V{5, 6}));     // no validation case: unchanged

  Dataset t = Make({{{1, 10}, {2, 20}, {3, 100}, {4, 150}, {5, 200}}, {{7, 120}, {8, 130}}});
  train = TrainingWithValidation(t, TimeSplit(t, 100, 200));
  EXPECT_EQ(Items(train[0]), (V{1, 2, 3}));  // 4 is in the window but after the validation event
  EXPECT_EQ(Items(train[1]), (V{7}));
}

TEST(TimeSplitTest, FirstEventInEachWindowIsTheTarget) {
  Dataset d = Make({
      {{1, 10}, {2, 20}, {3, 100}, {4, 150}, {5, 200}, {6, 250}},  // train, valid, test
      {{1, 10}, {2, 20}},                                          // train only
      {{7, 120}, {8, 130}},                                        // valid with empty history
      {{1, 50}, {9, 300}},                                         // test without valid
  });
  Split s = TimeSplit(d, 100, 200);
  EXPECT_EQ(Items(s.train[0]), (V{1, 2}));
  EXPECT_EQ(Items(s.train[1]), (V{1, 2}));
  EXPECT_TRUE(s.train[2].empty());
  EXPECT_EQ(Items(s.train[3]), (V{1}));
  ASSERT_EQ(s.valid.size(), 2u);
  EXPECT_EQ(s.valid[0].user, 0u);
  EXPECT_EQ(s.valid[0].target, 3u);
  EXPECT_EQ(Items(s.valid[0].history), (V{1, 2}));
  EXPECT_EQ(s.valid[1].user, 2u);
  EXPECT_EQ(s.valid[1].target, 7u);
  EXPECT_TRUE(s.valid[1].history.empty());
  ASSERT_EQ(s.test.size(), 2u);
  EXPECT_EQ(s.test[0].user, 0u);
  EXPECT_EQ(s.test[0].target, 5u);
  EXPECT_EQ(Items(s.test[0].history), (V{1, 2, 3, 4}));  // includes validation-period events
  EXPECT_EQ(s.test[1].user, 3u);
  EXPECT_EQ(s.test[1].target, 9u);
  EXPECT_EQ(Items(s.test[1].history), (V{1}));
}

}  // namespace
}  // namespace nba

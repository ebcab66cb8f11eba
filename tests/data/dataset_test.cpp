#include "data/dataset.h"

#include <gtest/gtest.h>

#include "../testing/temp_dir.h"

namespace nba {
namespace {

TEST(EventTypeTest, ParsesNamesAndAliases) {
  EventType t;
  ASSERT_TRUE(ParseEventType("view", &t));
  EXPECT_EQ(t, EventType::kView);
  ASSERT_TRUE(ParseEventType("add_to_cart", &t));
  EXPECT_EQ(t, EventType::kAddToCart);
  ASSERT_TRUE(ParseEventType("cart", &t));
  EXPECT_EQ(t, EventType::kAddToCart);
  ASSERT_TRUE(ParseEventType("buy", &t));
  EXPECT_EQ(t, EventType::kPurchase);
  ASSERT_TRUE(ParseEventType("pv", &t));
  EXPECT_EQ(t, EventType::kView);
  ASSERT_TRUE(ParseEventType("fav", &t));
  EXPECT_EQ(t, EventType::kInteraction);
  ASSERT_TRUE(ParseEventType("rating", &t));
  EXPECT_EQ(t, EventType::kRating);
  EXPECT_FALSE(ParseEventType("padding", &t));
  EXPECT_FALSE(ParseEventType("View", &t));
  EXPECT_FALSE(ParseEventType("", &t));
}

TEST(EventTypeTest, NamesRoundTrip) {
  for (int i = 1; i < kNumEventTypes; ++i) {
    EventType t;
    ASSERT_TRUE(ParseEventType(EventTypeName(static_cast<EventType>(i)), &t)) << i;
    EXPECT_EQ(static_cast<int>(t), i);
  }
  EXPECT_STREQ(EventTypeName(EventType::kAddToCart), "add_to_cart");
}

TEST(IdMapTest, InternsDenseIdsFromFirstId) {
  IdMap items(1);
  EXPECT_EQ(items.Intern("b"), 1u);
  EXPECT_EQ(items.Intern("a"), 2u);
  EXPECT_EQ(items.Intern("b"), 1u);
  EXPECT_EQ(items.size(), 2u);
  EXPECT_EQ(items.External(2), "a");
  uint32_t id = 0;
  ASSERT_TRUE(items.Find("a", &id));
  EXPECT_EQ(id, 2u);
  EXPECT_FALSE(items.Find("c", &id));
}

TEST(IdMapTest, SaveLoadRoundTrip) {
  testing::TempDir dir;
  IdMap map(1);
  map.Intern("x");
  map.Intern("user 7");
  map.Intern("z");
  ASSERT_TRUE(map.Save(dir.File("ids.txt")).ok());
  EXPECT_EQ(dir.Read("ids.txt"), "x\nuser 7\nz\n");
  IdMap loaded;
  ASSERT_TRUE(IdMap::Load(dir.File("ids.txt"), 1, &loaded).ok());
  EXPECT_EQ(loaded.size(), 3u);
  EXPECT_EQ(loaded.first_id(), 1u);
  uint32_t id = 0;
  ASSERT_TRUE(loaded.Find("z", &id));
  EXPECT_EQ(id, 3u);
}

TEST(IdMapTest, LoadReportsFileAndLine) {
  testing::TempDir dir;
  IdMap out;
  Status s = IdMap::Load(dir.Write("dup.txt", "a\nb\na\n"), 0, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("dup.txt: line 3: duplicate id 'a' (first on line 1)"), std::string::npos)
      << s.message();
  s = IdMap::Load(dir.Write("empty.txt", "a\n\nb\n"), 0, &out);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("empty.txt: line 2: empty id"), std::string::npos) << s.message();
  s = IdMap::Load(dir.File("missing.txt"), 0, &out);
  EXPECT_EQ(s.code(), Status::Code::kNotFound);
  EXPECT_NE(s.message().find("missing.txt"), std::string::npos);
}

TEST(IdMapTest, SaveRejectsIdsThatCannotReadBack) {
  testing::TempDir dir;
  IdMap map;
  map.Intern("a\nb");
  EXPECT_EQ(map.Save(dir.File("ids.txt")).code(), Status::Code::kInvalidArgument);
}

TEST(DatasetTest, CountsEvents) {
  Dataset d;
  d.sequences = {{{1, EventType::kView, 0}, {2, EventType::kView, 1}}, {}, {{1, EventType::kPurchase, 5}}};
  EXPECT_EQ(d.num_events(), 3u);
}

}  // namespace
}  // namespace nba

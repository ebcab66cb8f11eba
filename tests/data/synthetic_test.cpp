#include "data/synthetic.h"

#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/importer.h"
#include "../testing/temp_dir.h"

namespace nba {
namespace {

SyntheticShop Generate(uint64_t seed, int users = 2000, int items = 500) {
  ShopOptions opts;
  opts.seed = seed;
  opts.users = users;
  opts.items = items;
  SyntheticShop shop;
  EXPECT_TRUE(GenerateShop(opts, &shop).ok());
  return shop;
}

bool SameEvents(const Dataset& a, const Dataset& b) {
  if (a.num_users() != b.num_users()) return false;
  for (size_t u = 0; u < a.num_users(); ++u) {
    const auto &x = a.sequences[u], &y = b.sequences[u];
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i].item != y[i].item || x[i].type != y[i].type || x[i].ts != y[i].ts) return false;
    }
  }
  return true;
}

TEST(SyntheticTest, DefaultShopHasTheDocumentedShape) {
  SyntheticShop shop = Generate(1);
  EXPECT_EQ(shop.users.size(), 2000u);
  EXPECT_EQ(shop.items.size(), 500u);
  EXPECT_EQ(shop.events.num_users(), 2000u);
  EXPECT_EQ(shop.events.num_items(), 500u);
  EXPECT_GT(shop.events.num_events(), 45000u);
  EXPECT_LT(shop.events.num_events(), 75000u);
  EXPECT_EQ(shop.events.items.External(1), shop.items[0].id);
  EXPECT_EQ(shop.events.users.External(0), shop.users[0].id);

  std::map<EventType, size_t> per_type;
  int restricted = 0, inactive = 0;
  for (const CatalogItem& item : shop.items) {
    restricted += item.min_age == 18;
    inactive += !item.active;
    EXPECT_GT(item.price, 0);
    EXPECT_EQ(item.currency, "EUR");
  }
  EXPECT_GT(restricted, 0);
  EXPECT_GT(inactive, 0);
  for (size_t u = 0; u < shop.users.size(); ++u) {
    const auto& seq = shop.events.sequences[u];
    ASSERT_FALSE(seq.empty());
    for (size_t i = 0; i < seq.size(); ++i) {
      ++per_type[seq[i].type];
      if (i > 0) {
        EXPECT_LT(seq[i - 1].ts, seq[i].ts) << "user " << u;
      }
      EXPECT_LE(shop.items[seq[i].item - 1].min_age, shop.users[u].age) << "user " << u;
    }
  }
  EXPECT_EQ(per_type.size(), 3u);  // view, add_to_cart, purchase only
  EXPECT_GT(per_type[EventType::kView], per_type[EventType::kAddToCart]);
  EXPECT_GT(per_type[EventType::kAddToCart], per_type[EventType::kPurchase]);
  EXPECT_GT(per_type[EventType::kPurchase], 0u);
}

TEST(SyntheticTest, SameSeedSameShopOtherSeedOtherShop) {
  SyntheticShop a = Generate(7, 300, 100), b = Generate(7, 300, 100), c = Generate(8, 300, 100);
  EXPECT_TRUE(SameEvents(a.events, b.events));
  for (size_t i = 0; i < a.items.size(); ++i) {
    EXPECT_EQ(a.items[i].price, b.items[i].price);
    EXPECT_EQ(a.items[i].stock, b.items[i].stock);
  }
  for (size_t u = 0; u < a.users.size(); ++u) EXPECT_EQ(a.users[u].age, b.users[u].age);
  EXPECT_FALSE(SameEvents(a.events, c.events));
}

// The next item a user moves to is mostly predictable from the last one, and
// far better than from popularity: what a sequence model must learn.
TEST(SyntheticTest, NextItemDependsOnTheLastItem) {
  SyntheticShop shop = Generate(3);
  std::map<uint32_t, std::map<uint32_t, int>> next;  // item -> next different item -> count
  std::map<uint32_t, int> popularity;
  int transitions = 0;
  for (const auto& seq : shop.events.sequences) {
    for (size_t i = 1; i < seq.size(); ++i) {
      ++popularity[seq[i].item];
      if (seq[i].item == seq[i - 1].item) continue;
      ++next[seq[i - 1].item][seq[i].item];
      ++transitions;
    }
  }
  int by_last_item = 0;
  for (const auto& [item, counts] : next) {
    int best = 0;
    for (const auto& [to, n] : counts) best = std::max(best, n);
    by_last_item += best;
  }
  int top = 0;
  uint32_t top_item = 0;
  for (const auto& [item, n] : popularity) {
    if (n > top) top = n, top_item = item;
  }
  int by_popularity = 0;
  for (const auto& [item, counts] : next) {
    auto it = counts.find(top_item);
    if (it != counts.end()) by_popularity += it->second;
  }
  EXPECT_GT(by_last_item, 0.6 * transitions);
  EXPECT_LT(by_popularity, 0.05 * transitions);
}

TEST(SyntheticTest, WritesCatalogUsersAndEvents) {
  testing::TempDir dir;
  SyntheticShop shop = Generate(5, 50, 60);
  std::string out = dir.File("shop/sub");
  ASSERT_TRUE(WriteShop(shop, out).ok());

  std::string items = dir.Read("shop/sub/items.jsonl");
  auto first = nlohmann::json::parse(items.substr(0, items.find('\n')));
  EXPECT_EQ(first["id"], shop.items[0].id);
  EXPECT_EQ(first["category"], shop.items[0].category);
  EXPECT_EQ(first["price"].get<double>(), shop.items[0].price);
  EXPECT_EQ(first["stock"], shop.items[0].stock);
  EXPECT_EQ(first["min_age"], shop.items[0].min_age);
  EXPECT_EQ(first["active"], shop.items[0].active);
  EXPECT_EQ(std::count(items.begin(), items.end(), '\n'), 60);
  std::string users = dir.Read("shop/sub/users.jsonl");
  EXPECT_EQ(std::count(users.begin(), users.end(), '\n'), 50);
  EXPECT_EQ(nlohmann::json::parse(users.substr(0, users.find('\n')))["country"], shop.users[0].country);

  Dataset events;
  ImportReport r;
  ASSERT_TRUE(ImportFile(out + "/events.tsv", {}, &events, &r).ok());
  EXPECT_EQ(r.bad_rows, 0u);
  EXPECT_EQ(events.num_events(), shop.events.num_events());
  EXPECT_EQ(events.num_users(), 50u);
}

TEST(SyntheticTest, RejectsEmptyShops) {
  SyntheticShop shop;
  ShopOptions opts;
  opts.users = 0;
  Status s = GenerateShop(opts, &shop);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "users must be at least 1, got 0");
  opts.users = 1;
  opts.items = 1;
  EXPECT_EQ(GenerateShop(opts, &shop).code(), Status::Code::kInvalidArgument);
}

TEST(SyntheticTest, UnwritableDirectoryIsAnError) {
  testing::TempDir dir;
  dir.Write("file", "x");
  SyntheticShop shop = Generate(1, 5, 10);
  Status s = WriteShop(shop, dir.File("file/shop"));
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("file/shop"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace nba

// A synthetic web shop for demos and tests: a catalogue, users and their
// view -> add_to_cart -> purchase sessions, deterministic for a given seed.
//
// The sessions carry sequential structure that a sequence model can learn and
// a popularity ranking cannot: each category's items form a fixed cycle ("next
// in the series"); after viewing an item the user next views its successor
// with probability 0.8, and half of the sessions resume the series where the
// previous one stopped; after a purchase the next view is the item's fixed
// accessory (an item of the next category) with probability 0.8. The other
// views are popularity-weighted, mostly within the user's preferred category.
// On the default shop, ranking the next items seen after the last item in
// training hits ~90% HR@10 on leave-one-out; popularity ~7%.
// Users under 18 never see items with min_age 18.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "data/dataset.h"

namespace nba {

struct CatalogItem {
  std::string id, category;
  double price = 0;
  std::string currency;
  int stock = 0;
  int min_age = 0;  // 18 for age-restricted categories, else 0
  bool active = true;
};

struct ShopUser {
  std::string id;
  int age = 0;
  std::string country;  // ISO 3166 alpha-2
};

struct ShopOptions {
  int users = 2000;
  int items = 500;  // in ceil(items / 25) categories
  uint64_t seed = 1;
};

struct SyntheticShop {
  std::vector<CatalogItem> items;  // items[i] has dense id i + 1 in `events`
  std::vector<ShopUser> users;     // users[u] has dense id u in `events`
  Dataset events;                  // view / add_to_cart / purchase, ts in ms, increasing per user
};

// About 30 events per user. InvalidArgument when users < 1 or items < 2.
Status GenerateShop(const ShopOptions& opts, SyntheticShop* out);

// Writes items.jsonl and users.jsonl (one JSON object per line) and events.tsv
// (the shared TSV) into `dir`, creating it when missing.
Status WriteShop(const SyntheticShop& shop, const std::string& dir);

}  // namespace nba

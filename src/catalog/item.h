// Item: one product of the shop as the business rules see it. Parsed from and
// written to JSON (the catalogue routes and the catalogue's log use the same
// form), strictly: an unknown field is an error, so a typo never silently
// leaves an item sellable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace nba {

struct Item {
  std::string id;        // the shop's id, as events and the model vocabulary name it
  std::string category;  // "" when none
  double price = 0;      // >= 0; the recommender only offers items with price > 0
  std::string currency;  // ISO 4217 ("EUR") or ""
  bool in_stock = true;
  int64_t stock = -1;    // units left; -1 when the shop does not count
  int min_age = 0;       // 0: no age limit
  bool active = true;
  std::vector<std::string> tags;

  // in_stock and, when counted, at least one unit left.
  bool Available() const { return in_stock && stock != 0; }
};

// Longest accepted item id, in bytes.
inline constexpr size_t kMaxItemIdBytes = 256;

// Checks an id from a path or a body: 1..kMaxItemIdBytes bytes, no control characters.
Status ValidateItemId(const std::string& id);

// Parses `j` (an object) into `*out`. `id` comes from the path (PUT) and may be
// empty, in which case `j` must carry "id"; when both are there they must
// agree. On error `*field` names the offending field ("price", "tags[2]")
// and the status message says why.
Status ParseItem(const nlohmann::json& j, const std::string& id, Item* out, std::string* field);

nlohmann::json ItemToJson(const Item& item);

}  // namespace nba

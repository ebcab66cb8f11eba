// ItemTable: the catalogue's business attributes laid out by the model's
// dense item id, so the ranking filters every candidate with an array lookup
// instead of a string hash. Built from one catalogue version for one model;
// the recommender rebuilds it when either changes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "data/dataset.h"

namespace nba {

struct ItemAttrs {
  bool listed = false;     // in the catalogue, active, price > 0
  bool available = false;  // in stock
  uint8_t min_age = 0;
  uint32_t category = 0;   // index into ItemTable::categories; 0: none
};

class ItemTable {
 public:
  // Attributes of every id of `vocab` (dense 1..size) present in `catalog`.
  static std::shared_ptr<const ItemTable> Build(const Catalog& catalog, const IdMap& vocab);

  uint64_t catalog_version() const { return catalog_version_; }
  // Indexed by dense id; [0] (padding) is never listed.
  const std::vector<ItemAttrs>& attrs() const { return attrs_; }
  // The category index of `name`, or false when no item of the model has it.
  bool FindCategory(const std::string& name, uint32_t* index) const;

 private:
  uint64_t catalog_version_ = 0;
  std::vector<ItemAttrs> attrs_;
  std::unordered_map<std::string, uint32_t> categories_;  // "" is 0
};

}  // namespace nba

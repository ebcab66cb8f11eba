#include "recommend/item_table.h"

#include <algorithm>

namespace nba {

std::shared_ptr<const ItemTable> ItemTable::Build(const Catalog& catalog, const IdMap& vocab) {
  auto t = std::make_shared<ItemTable>();
  t->attrs_.resize(vocab.size() + 1);
  t->categories_.emplace("", 0);
  t->catalog_version_ = catalog.ForEach([&](const Item& item) {
    uint32_t dense;
    if (!vocab.Find(item.id, &dense)) return;
    ItemAttrs& a = t->attrs_[dense];
    a.listed = item.active && item.price > 0;
    a.available = item.Available();
    a.min_age = static_cast<uint8_t>(std::min(item.min_age, 255));
    a.category = t->categories_.emplace(item.category, static_cast<uint32_t>(t->categories_.size())).first->second;
  });
  return t;
}

bool ItemTable::FindCategory(const std::string& name, uint32_t* index) const {
  auto it = categories_.find(name);
  if (it == categories_.end()) return false;
  *index = it->second;
  return true;
}

}  // namespace nba

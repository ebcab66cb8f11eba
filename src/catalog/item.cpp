#include "catalog/item.h"

#include <cmath>

namespace nba {
namespace {

Status Bad(std::string* field, const std::string& name, const std::string& reason) {
  *field = name;
  return Status::InvalidArgument(reason);
}

}  // namespace

Status ValidateItemId(const std::string& id) {
  if (id.empty()) return Status::InvalidArgument("must not be empty");
  if (id.size() > kMaxItemIdBytes) {
    return Status::InvalidArgument("longer than " + std::to_string(kMaxItemIdBytes) + " bytes");
  }
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument("contains a control character");
  }
  return Status::Ok();
}

Status ParseItem(const nlohmann::json& j, const std::string& id, Item* out, std::string* field) {
  if (!j.is_object()) return Bad(field, "", "an item must be a JSON object");
  Item item;
  item.id = id;
  bool stock_given = false, in_stock_given = false;
  for (const auto& [key, v] : j.items()) {
    if (key == "id") {
      if (!v.is_string()) return Bad(field, key, "must be a string");
      if (!id.empty() && v.get<std::string>() != id) {
        return Bad(field, key, "'" + v.get<std::string>() + "' differs from the id in the path '" + id + "'");
      }
      item.id = v.get<std::string>();
    } else if (key == "category") {
      if (!v.is_string()) return Bad(field, key, "must be a string");
      item.category = v.get<std::string>();
    } else if (key == "price") {
      if (!v.is_number()) return Bad(field, key, "must be a number");
      item.price = v.get<double>();
      if (!std::isfinite(item.price) || item.price < 0) return Bad(field, key, "must be a finite number >= 0");
    } else if (key == "currency") {
      if (!v.is_string()) return Bad(field, key, "must be a string");
      item.currency = v.get<std::string>();
      bool iso = item.currency.size() == 3;
      for (char c : item.currency) iso = iso && c >= 'A' && c <= 'Z';
      if (!item.currency.empty() && !iso) return Bad(field, key, "must be three upper-case letters (ISO 4217)");
    } else if (key == "in_stock") {
      if (!v.is_boolean()) return Bad(field, key, "must be true or false");
      item.in_stock = v.get<bool>();
      in_stock_given = true;
    } else if (key == "stock") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0) return Bad(field, key, "must be an integer >= 0");
      item.stock = v.get<int64_t>();
      stock_given = true;
    } else if (key == "min_age") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 150) {
        return Bad(field, key, "must be an integer in 0..150");
      }
      item.min_age = v.get<int>();
    } else if (key == "active") {
      if (!v.is_boolean()) return Bad(field, key, "must be true or false");
      item.active = v.get<bool>();
    } else if (key == "tags") {
      if (!v.is_array()) return Bad(field, key, "must be an array of strings");
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) return Bad(field, "tags[" + std::to_string(i) + "]", "must be a string");
        item.tags.push_back(v[i].get<std::string>());
      }
    } else {
      return Bad(field, key, "unknown field");
    }
  }
  if (item.id.empty()) return Bad(field, "id", "is required");
  if (Status s = ValidateItemId(item.id); !s.ok()) return Bad(field, "id", s.message());
  if (stock_given && !in_stock_given) item.in_stock = item.stock > 0;
  *out = std::move(item);
  return Status::Ok();
}

nlohmann::json ItemToJson(const Item& item) {
  nlohmann::json j = {{"id", item.id},          {"category", item.category}, {"price", item.price},
                      {"currency", item.currency}, {"in_stock", item.in_stock}, {"min_age", item.min_age},
                      {"active", item.active},  {"tags", item.tags}};
  if (item.stock >= 0) j["stock"] = item.stock;
  return j;
}

}  // namespace nba

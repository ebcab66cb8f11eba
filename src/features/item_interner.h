// ItemInterner: maps external item ids to dense uint32 codes and back, so
// the feature store keeps 4 bytes per stored event instead of a string.
// Shared by all users of a store; codes are never reused or removed (item ids
// are catalogue data, not personal data). Thread-safe; lookups of known ids
// take a shared lock only.
#pragma once

#include <cstdint>
#include <deque>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nba {

class ItemInterner {
 public:
  // The code of `item_id`, adding it when new. Codes are dense from 0.
  uint32_t Intern(std::string_view item_id);
  // The id of a code returned by Intern. The reference stays valid.
  const std::string& Name(uint32_t code) const;
  size_t size() const;
  size_t memory_bytes() const;

 private:
  mutable std::shared_mutex mu_;
  std::deque<std::string> names_;  // deque: references stay valid on growth
  std::unordered_map<std::string_view, uint32_t> codes_;  // views into names_
};

}  // namespace nba

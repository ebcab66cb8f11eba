#include "features/item_interner.h"

#include <mutex>

namespace nba {

uint32_t ItemInterner::Intern(std::string_view item_id) {
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = codes_.find(item_id);
    if (it != codes_.end()) return it->second;
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto it = codes_.find(item_id);
  if (it != codes_.end()) return it->second;
  uint32_t code = static_cast<uint32_t>(names_.size());
  names_.emplace_back(item_id);
  codes_.emplace(names_.back(), code);
  return code;
}

const std::string& ItemInterner::Name(uint32_t code) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return names_.at(code);
}

size_t ItemInterner::size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return names_.size();
}

size_t ItemInterner::memory_bytes() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  size_t bytes = codes_.bucket_count() * sizeof(void*) + codes_.size() * (sizeof(std::string_view) + 16 + 2 * sizeof(void*));
  for (const std::string& n : names_) bytes += sizeof(std::string) + (n.capacity() > 15 ? n.capacity() + 1 : 0);
  return bytes;
}

}  // namespace nba

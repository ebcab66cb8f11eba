#include "data/dataset.h"

#include <cstdio>
#include <fstream>

namespace nba {

namespace {

struct EventName {
  std::string_view name;
  EventType type;
};

// Canonical names first: EventTypeName returns the first match.
constexpr EventName kEventNames[] = {
    {"padding", EventType::kPadding},     {"view", EventType::kView},
    {"click", EventType::kClick},         {"add_to_cart", EventType::kAddToCart},
    {"purchase", EventType::kPurchase},   {"interaction", EventType::kInteraction},
    {"rating", EventType::kRating},
    // Aliases used by public datasets (the shared TSV, Taobao).
    {"cart", EventType::kAddToCart},      {"buy", EventType::kPurchase},
    {"pv", EventType::kView},             {"fav", EventType::kInteraction},
};

}  // namespace

bool ParseEventType(std::string_view name, EventType* out) {
  for (const EventName& e : kEventNames) {
    // Padding is a model-internal id, never an event a source may carry.
    if (e.name == name && e.type != EventType::kPadding) {
      *out = e.type;
      return true;
    }
  }
  return false;
}

const char* EventTypeName(EventType type) {
  for (const EventName& e : kEventNames) {
    if (e.type == type) return e.name.data();
  }
  return "unknown";
}

uint32_t IdMap::Intern(std::string_view external) {
  auto [it, inserted] = index_.try_emplace(std::string(external), 0);
  if (inserted) {
    it->second = first_id_ + static_cast<uint32_t>(names_.size());
    names_.push_back(it->first);
  }
  return it->second;
}

bool IdMap::Find(std::string_view external, uint32_t* dense) const {
  auto it = index_.find(std::string(external));
  if (it == index_.end()) return false;
  *dense = it->second;
  return true;
}

Status IdMap::Save(const std::string& path) const {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::IOError(path + ": cannot open for writing");
  for (size_t i = 0; i < names_.size(); ++i) {
    // One id per line: an empty id or one with a newline would not read back.
    if (names_[i].empty() || names_[i].find('\n') != std::string::npos) {
      std::fclose(f);
      return Status::InvalidArgument(path + ": id " + std::to_string(first_id_ + i) +
                                     " is empty or contains a newline");
    }
    std::fputs(names_[i].c_str(), f);
    std::fputc('\n', f);
  }
  bool write_failed = std::ferror(f) != 0;
  if (std::fclose(f) != 0 || write_failed) return Status::IOError(path + ": write failed");
  return Status::Ok();
}

Status IdMap::Load(const std::string& path, uint32_t first_id, IdMap* out) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + ": cannot open id map");
  IdMap map(first_id);
  std::string line;
  for (size_t line_no = 1; std::getline(in, line); ++line_no) {
    if (line.empty()) {
      return Status::Corruption(path + ": line " + std::to_string(line_no) + ": empty id");
    }
    uint32_t dense = map.Intern(line);
    if (dense != first_id + line_no - 1) {
      return Status::Corruption(path + ": line " + std::to_string(line_no) + ": duplicate id '" +
                                line + "' (first on line " + std::to_string(dense - first_id + 1) + ")");
    }
  }
  if (in.bad()) return Status::IOError(path + ": read failed");
  *out = std::move(map);
  return Status::Ok();
}

size_t Dataset::num_events() const {
  size_t n = 0;
  for (const auto& seq : sequences) n += seq.size();
  return n;
}

}  // namespace nba

// Dataset: every user's chronological event sequence, with external string ids
// mapped to dense integers. Items are numbered from 1; 0 is the padding id the
// model reserves, so `num_items()` is also the largest item id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace nba {

// Event kinds the engine knows. The numeric values are stored in model
// artefacts (event-type embedding rows), so never renumber them.
enum class EventType : uint8_t {
  kPadding = 0,
  kView = 1,
  kClick = 2,
  kAddToCart = 3,
  kPurchase = 4,
  kInteraction = 5,  // a review or favourite: engagement of unknown strength
  kRating = 6,
};
inline constexpr int kNumEventTypes = 7;  // including padding

// "view", "click", "add_to_cart" (alias "cart"), "purchase" (alias "buy"),
// "interaction", "rating". Returns false for anything else.
bool ParseEventType(std::string_view name, EventType* out);
const char* EventTypeName(EventType type);

struct Interaction {
  uint32_t item = 0;  // dense item id, >= 1
  EventType type = EventType::kInteraction;
  int64_t ts = 0;     // as in the source: ms, s, or a position index
};

// Maps external string ids to dense ids [first_id, first_id + size()).
class IdMap {
 public:
  explicit IdMap(uint32_t first_id = 0) : first_id_(first_id) {}

  // Returns the dense id of `external`, adding it when new.
  uint32_t Intern(std::string_view external);
  // Returns false when `external` is unknown.
  bool Find(std::string_view external, uint32_t* dense) const;
  const std::string& External(uint32_t dense) const { return names_[dense - first_id_]; }
  size_t size() const { return names_.size(); }
  uint32_t first_id() const { return first_id_; }

  // One external id per line, in dense-id order.
  Status Save(const std::string& path) const;
  static Status Load(const std::string& path, uint32_t first_id, IdMap* out);

 private:
  uint32_t first_id_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> index_;
};

struct Dataset {
  IdMap users{0};  // dense user ids 0..U-1, index into `sequences`
  IdMap items{1};  // dense item ids 1..I
  std::vector<std::vector<Interaction>> sequences;  // chronological per user

  size_t num_users() const { return sequences.size(); }
  size_t num_items() const { return items.size(); }
  size_t num_events() const;
};

}  // namespace nba

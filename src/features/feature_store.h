// FeatureStore: what the engine knows about each user right now, the input of
// every recommendation. Updated on every acknowledged event; rebuilt after a
// restart from a snapshot plus the event log's tail.
//
// Items are held by their external (catalogue) id, so a model promoted with a
// new vocabulary needs no rewrite of the store; the recommender maps them to
// the model's dense ids at request time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "data/dataset.h"

namespace nba {

struct UserProfile {
  int age = -1;          // -1: unknown (age-restricted items are then filtered out)
  std::string country;   // ISO 3166-1 alpha-2 or empty
  bool consent = true;   // false: events are not stored for this user
};

struct UserEvent {
  std::string item_id;
  EventType type = EventType::kView;
  int64_t ts_ms = 0;
};

struct UserFeatures {
  std::vector<UserEvent> recent;       // chronological, at most max_events
  std::vector<std::string> purchased;  // sorted, unique
  UserProfile profile;
  bool has_profile = false;
  // Changes whenever anything above changes: the recommendation cache's key.
  uint64_t version = 0;
};

class FeatureStore {
 public:
  virtual ~FeatureStore() = default;
  // False when the user is unknown (no event and no profile).
  virtual bool Get(std::string_view user_id, UserFeatures* out) const = 0;
  // Get for stores that can fail (a remote store): an error when the store
  // could not be asked, else *found as Get returns. Stores in memory never fail.
  virtual Status Lookup(std::string_view user_id, UserFeatures* out, bool* found) const {
    *found = Get(user_id, out);
    return Status::Ok();
  }
  virtual void ApplyEvent(std::string_view user_id, const UserEvent& event) = 0;
  virtual void SetProfile(std::string_view user_id, const UserProfile& profile) = 0;
  // Forgets everything about the user.
  virtual void Erase(std::string_view user_id) = 0;
  virtual size_t num_users() const = 0;
  // Approximate heap bytes held, for /metrics and the bytes-per-user benchmark.
  virtual size_t memory_bytes() const = 0;
};

}  // namespace nba

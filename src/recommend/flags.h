// RecommendFlags: the runtime switches of the recommender, read from the
// config's `features` map at start, replaced through PUT /v1/admin/flags (or
// by the lead's SIGHUP reload). A request reads one immutable snapshot, so
// a change never applies to half a request.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "server/config.h"

namespace nba {

struct RecommendFlags {
  bool model_enabled = true;     // off: every request is served by the fallback
  bool cache_enabled = true;
  std::string fallback_strategy = "trending";  // "trending" or "none" (no fill-up)
  bool filters_enabled = true;   // off: no business filter at all (debugging)
  bool filter_purchased = true;  // drop items the user already bought
  bool filter_stock = true;      // drop items out of stock
  bool filter_age = true;        // drop items above the user's age (unknown age: any limit)

  // features.model_enabled, features.cache_enabled, features.fallback_strategy,
  // features.filters_enabled, features.filter_purchased, features.filter_stock,
  // features.filter_age. InvalidArgument for an unknown fallback strategy.
  static Status FromConfig(const ServerConfig& config, RecommendFlags* out);

  // Applies the keys present in `j` (an object) over *this. On error
  // `*field` names the key and nothing is changed.
  Status Update(const nlohmann::json& j, std::string* field);
  nlohmann::json ToJson() const;
  // The flags that change a ranking, compactly: part of every cache key, so
  // a flag change never serves an answer ranked under the old flags.
  std::string CacheKey() const;
};

}  // namespace nba

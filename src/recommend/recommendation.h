// Recommendation: one ranked answer, as cached, returned and audited.
#pragma once

#include <string>
#include <vector>

namespace nba {

struct RankedItem {
  std::string item_id;
  double score = 0;
  const char* reason = "model";  // "model" or "popular" (a fallback item)
};

struct Recommendation {
  std::vector<RankedItem> items;
  std::string model_version;  // "" when no model took part
  std::string strategy;       // "model" or "fallback:<reason>"
};

}  // namespace nba

// Recommendation: one ranked answer, as cached, returned and audited.
#pragma once

#include <string>
#include <string_view>
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

// Binary form for a SharedCache: model_version str | strategy str | n u32
// { item str | score f64 | popular u8 } (str := len u32 | bytes).
std::string EncodeRecommendation(const Recommendation& rec);
// False when `data` is not such an encoding (a cache entry from another version).
bool DecodeRecommendation(std::string_view data, Recommendation* out);

}  // namespace nba

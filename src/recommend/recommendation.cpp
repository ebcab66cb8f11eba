#include "recommend/recommendation.h"

#include <bit>
#include <cstdint>

#include "core/coding.h"

namespace nba {

std::string EncodeRecommendation(const Recommendation& rec) {
  std::string out;
  PutLengthPrefixed(&out, rec.model_version);
  PutLengthPrefixed(&out, rec.strategy);
  PutFixed<uint32_t>(&out, static_cast<uint32_t>(rec.items.size()));
  for (const RankedItem& item : rec.items) {
    PutLengthPrefixed(&out, item.item_id);
    PutFixed<uint64_t>(&out, std::bit_cast<uint64_t>(item.score));
    PutFixed<uint8_t>(&out, std::string_view(item.reason) == "popular" ? 1 : 0);
  }
  return out;
}

bool DecodeRecommendation(std::string_view data, Recommendation* out) {
  *out = Recommendation();
  Decoder in(data);
  out->model_version = in.GetLengthPrefixed();
  out->strategy = in.GetLengthPrefixed();
  const uint32_t n = in.Get<uint32_t>();
  if (!in.CanHold(n, 13)) return false;
  out->items.resize(n);
  for (RankedItem& item : out->items) {
    item.item_id = in.GetLengthPrefixed();
    item.score = std::bit_cast<double>(in.Get<uint64_t>());
    item.reason = in.Get<uint8_t>() == 1 ? "popular" : "model";
  }
  return in.done();
}

}  // namespace nba

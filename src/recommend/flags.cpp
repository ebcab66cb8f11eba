#include "recommend/flags.h"

namespace nba {
namespace {

bool KnownStrategy(const std::string& s) { return s == "trending" || s == "none"; }

// The bool members by name, for both the config and the admin route.
template <typename F>
void ForEachBool(RecommendFlags* f, F fn) {
  fn("model_enabled", &f->model_enabled);
  fn("cache_enabled", &f->cache_enabled);
  fn("filters_enabled", &f->filters_enabled);
  fn("filter_purchased", &f->filter_purchased);
  fn("filter_stock", &f->filter_stock);
  fn("filter_age", &f->filter_age);
}

}  // namespace

Status RecommendFlags::FromConfig(const ServerConfig& config, RecommendFlags* out) {
  RecommendFlags f;
  ForEachBool(&f, [&](const char* name, bool* v) { *v = config.FeatureFlag(name, *v); });
  f.fallback_strategy = config.FeatureString("fallback_strategy", f.fallback_strategy);
  if (!KnownStrategy(f.fallback_strategy)) {
    return Status::InvalidArgument("features.fallback_strategy: unknown strategy '" + f.fallback_strategy +
                                   "' (expected trending or none)");
  }
  *out = f;
  return Status::Ok();
}

Status RecommendFlags::Update(const nlohmann::json& j, std::string* field) {
  if (!j.is_object()) return Status::InvalidArgument("flags must be a JSON object");
  RecommendFlags next = *this;
  for (const auto& [key, v] : j.items()) {
    *field = key;
    bool found = false;
    Status s;
    ForEachBool(&next, [&](const char* name, bool* b) {
      if (key != name) return;
      found = true;
      if (v.is_boolean()) {
        *b = v.get<bool>();
      } else {
        s = Status::InvalidArgument("must be true or false");
      }
    });
    if (key == "fallback_strategy") {
      found = true;
      if (!v.is_string() || !KnownStrategy(v.get<std::string>())) {
        s = Status::InvalidArgument("must be \"trending\" or \"none\"");
      } else {
        next.fallback_strategy = v.get<std::string>();
      }
    }
    if (!found) return Status::InvalidArgument("unknown flag");
    NBA_RETURN_IF_ERROR(s);
  }
  field->clear();
  *this = next;
  return Status::Ok();
}

nlohmann::json RecommendFlags::ToJson() const {
  RecommendFlags copy = *this;
  nlohmann::json j = {{"fallback_strategy", fallback_strategy}};
  ForEachBool(&copy, [&](const char* name, bool* v) { j[name] = *v; });
  return j;
}

std::string RecommendFlags::CacheKey() const {
  std::string key = fallback_strategy;
  RecommendFlags copy = *this;
  ForEachBool(&copy, [&](const char*, bool* v) { key += *v ? '1' : '0'; });
  return key;
}

}  // namespace nba

#include "recommend/trending.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/clock.h"

namespace nba {

double TrendingWeight(EventType type) {
  switch (type) {
    case EventType::kView: return 1;
    case EventType::kClick: return 2;
    case EventType::kAddToCart: return 3;
    case EventType::kPurchase: return 5;
    default: return 2;
  }
}

namespace {

// Half-lives after which t0 moves: 2^400 is far from double's 2^1023.
constexpr double kRebaseExponent = 400;

}  // namespace

Trending::Trending(const TrendingOptions& options)
    : options_(options),
      half_life_ms_(options.half_life_hours * 3600e3),
      top_(std::make_shared<const std::vector<TrendingItem>>()) {}

void Trending::Add(const std::string& item_id, EventType type, int64_t ts_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!have_t0_) {
    t0_ = newest_ = ts_ms;
    have_t0_ = true;
  }
  double exponent = static_cast<double>(ts_ms - t0_) / half_life_ms_;
  if (exponent > kRebaseExponent) {
    for (auto& [id, s] : scores_) s = std::ldexp(s, -static_cast<int>(exponent));
    t0_ += static_cast<int64_t>(static_cast<int>(exponent) * half_life_ms_);
    exponent = static_cast<double>(ts_ms - t0_) / half_life_ms_;
  }
  scores_[item_id] += TrendingWeight(type) * std::exp2(exponent);
  newest_ = std::max(newest_, ts_ms);
  dirty_.store(true, std::memory_order_release);
}

std::shared_ptr<const std::vector<TrendingItem>> Trending::Top() {
  if (dirty_.load(std::memory_order_acquire) &&
      SteadyMs() - built_at_ms_.load(std::memory_order_relaxed) >= options_.refresh_ms) {
    std::unique_lock<std::mutex> build(build_mu_, std::try_to_lock);
    if (build.owns_lock()) Rebuild();  // others keep the previous snapshot meanwhile
  }
  return top_.load(std::memory_order_acquire);
}

void Trending::Replace(std::vector<TrendingItem> top) {
  if (top.size() > options_.top_size) top.resize(options_.top_size);
  top_.store(std::make_shared<const std::vector<TrendingItem>>(std::move(top)), std::memory_order_release);
}

void Trending::Rebuild() {
  dirty_.store(false, std::memory_order_release);
  std::vector<std::pair<double, const std::string*>> ranked;
  std::vector<TrendingItem> top;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ranked.reserve(scores_.size());
    for (const auto& [id, s] : scores_) ranked.emplace_back(s, &id);
    size_t n = std::min(options_.top_size, ranked.size());
    auto better = [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : *a.second < *b.second; };
    std::partial_sort(ranked.begin(), ranked.begin() + n, ranked.end(), better);
    const double to_newest = std::exp2(-static_cast<double>(newest_ - t0_) / half_life_ms_);
    top.reserve(n);
    for (size_t i = 0; i < n; ++i) top.push_back({*ranked[i].second, ranked[i].first * to_newest});
  }
  top_.store(std::make_shared<const std::vector<TrendingItem>>(std::move(top)), std::memory_order_release);
  built_at_ms_.store(SteadyMs(), std::memory_order_relaxed);
}

}  // namespace nba

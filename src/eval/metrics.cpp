#include "eval/metrics.h"

#include <cassert>
#include <cmath>
#include <string>

namespace nba {

double NdcgAt(size_t rank, size_t k) {
  return rank < k ? 1.0 / std::log2(static_cast<double>(rank) + 2.0) : 0.0;
}

double HitAt(size_t rank, size_t k) { return rank < k ? 1.0 : 0.0; }

double MrrAt(size_t rank, size_t k) {
  return rank < k ? 1.0 / (static_cast<double>(rank) + 1.0) : 0.0;
}

void MetricSet::Add(size_t rank) {
  ++count_;
  for (size_t i = 0; i < kCutoffs.size(); ++i) {
    ndcg_[i] += NdcgAt(rank, kCutoffs[i]);
    hit_[i] += HitAt(rank, kCutoffs[i]);
    mrr_[i] += MrrAt(rank, kCutoffs[i]);
  }
}

void MetricSet::Merge(const MetricSet& other) {
  count_ += other.count_;
  for (size_t i = 0; i < kCutoffs.size(); ++i) {
    ndcg_[i] += other.ndcg_[i];
    hit_[i] += other.hit_[i];
    mrr_[i] += other.mrr_[i];
  }
}

double MetricSet::Mean(const std::array<double, kCutoffs.size()>& sums, size_t k) const {
  for (size_t i = 0; i < kCutoffs.size(); ++i) {
    if (kCutoffs[i] == k) return count_ == 0 ? 0.0 : sums[i] / static_cast<double>(count_);
  }
  assert(false && "k is not one of kCutoffs");
  return 0.0;
}

double MetricSet::Ndcg(size_t k) const { return Mean(ndcg_, k); }
double MetricSet::HitRate(size_t k) const { return Mean(hit_, k); }
double MetricSet::Mrr(size_t k) const { return Mean(mrr_, k); }

nlohmann::json MetricSet::ToJson() const {
  nlohmann::json out;
  out["count"] = count_;
  for (size_t k : kCutoffs) {
    const std::string at = "@" + std::to_string(k);
    out["ndcg" + at] = Ndcg(k);
    out["hr" + at] = HitRate(k);
    out["mrr" + at] = Mrr(k);
  }
  return out;
}

}  // namespace nba

// Ranking metrics from the 0-based rank of a test case's target.
//
// A rank counts the candidates scoring strictly higher than the target plus
// the other candidates tying with it: ties are broken against the target, so a
// constant scorer earns nothing.
#pragma once

#include <array>
#include <cstddef>
#include <limits>

#include <nlohmann/json.hpp>

namespace nba {

// The cut-offs every MetricSet reports.
inline constexpr std::array<size_t, 3> kCutoffs = {5, 10, 20};

// The rank of a target that could not be ranked (its score is NaN): it earns
// nothing at any cut-off.
inline constexpr size_t kUnranked = std::numeric_limits<size_t>::max();

// 1 / log2(rank + 2) when rank < k, else 0 (one relevant item, so IDCG = 1).
double NdcgAt(size_t rank, size_t k);
// 1 when rank < k, else 0.
double HitAt(size_t rank, size_t k);
// 1 / (rank + 1) when rank < k, else 0.
double MrrAt(size_t rank, size_t k);

// Running means of NDCG, HR and MRR at every cut-off in kCutoffs.
class MetricSet {
 public:
  void Add(size_t rank);
  // Adds the cases of `other`, as if each had been Add()ed here.
  void Merge(const MetricSet& other);

  size_t count() const { return count_; }
  // Means over the cases added; 0 when there are none. `k` must be in kCutoffs.
  double Ndcg(size_t k) const;
  double HitRate(size_t k) const;
  double Mrr(size_t k) const;

  // {"count": n, "ndcg@5": .., "hr@5": .., "mrr@5": .., "ndcg@10": .., ...}
  nlohmann::json ToJson() const;

 private:
  double Mean(const std::array<double, kCutoffs.size()>& sums, size_t k) const;

  size_t count_ = 0;
  std::array<double, kCutoffs.size()> ndcg_{};
  std::array<double, kCutoffs.size()> hit_{};
  std::array<double, kCutoffs.size()> mrr_{};
};

}  // namespace nba

#include "eval/negative_sampler.h"

#include <algorithm>
#include <utility>

namespace nba {

namespace {

// SplitMix64: tiny, fast, and the same stream on every platform and library,
// unlike the std:: distributions.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Next(uint64_t* state) { return Mix(*state += 0x9e3779b97f4a7c15ULL); }

// Uniform in [0, n) by multiply-shift; the bias is below n / 2^64.
uint64_t Below(uint64_t* state, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(Next(state)) * n) >> 64);
}

}  // namespace

NegativeSampler::NegativeSampler(size_t num_items, size_t count, uint64_t seed)
    : num_items_(num_items), count_(count), seed_(seed), mark_(num_items + 1, 0) {}

void NegativeSampler::Sample(const EvalCase& c, std::vector<uint32_t>* out) {
  if (++epoch_ == 0) {  // wrapped: old marks would read as current
    std::fill(mark_.begin(), mark_.end(), 0);
    epoch_ = 1;
  }
  size_t owned = 0;
  auto take = [&](uint32_t item) {
    if (mark_[item] == epoch_) return false;
    mark_[item] = epoch_;
    return true;
  };
  owned += take(c.target);
  for (const Interaction& e : c.history) owned += take(e.item);
  const size_t available = num_items_ - owned;

  uint64_t state = Mix(Mix(Mix(seed_) ^ c.user) ^ c.target);
  out->clear();
  if (available <= count_ || 2 * available < num_items_) {
    // Few free items: list them and shuffle the first `n` into place.
    pool_.clear();
    for (uint32_t item = 1; item <= num_items_; ++item) {
      if (mark_[item] != epoch_) pool_.push_back(item);
    }
    const size_t n = std::min(count_, available);
    for (size_t i = 0; i < n; ++i) {
      std::swap(pool_[i], pool_[i + Below(&state, available - i)]);
    }
    out->assign(pool_.begin(), pool_.begin() + n);
  } else {
    // Most items are free: rejection takes under two draws per negative.
    while (out->size() < count_) {
      const uint32_t item = 1 + static_cast<uint32_t>(Below(&state, num_items_));
      if (take(item)) out->push_back(item);
    }
  }
}

}  // namespace nba

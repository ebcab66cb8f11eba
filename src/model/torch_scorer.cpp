#include "model/torch_scorer.h"

#include <algorithm>
#include <cstring>

namespace nba {

torch::Tensor PackHistories(std::span<const EvalCase* const> cases, int64_t max_len,
                            torch::Tensor* items, torch::Tensor* types) {
  const int64_t B = static_cast<int64_t>(cases.size());
  int64_t L = 1;
  for (const EvalCase* c : cases) L = std::max<int64_t>(L, std::min<int64_t>(max_len, c->history.size()));
  *items = torch::zeros({B, L}, torch::kLong);
  *types = torch::zeros({B, L}, torch::kLong);
  auto lengths = torch::ones({B}, torch::kLong);
  auto it = items->accessor<int64_t, 2>();
  auto ty = types->accessor<int64_t, 2>();
  auto len = lengths.accessor<int64_t, 1>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& h = cases[b]->history;
    const int64_t n = std::min<int64_t>(max_len, h.size());
    const size_t start = h.size() - n;
    for (int64_t t = 0; t < n; ++t) {
      it[b][t] = h[start + t].item;
      ty[b][t] = static_cast<int64_t>(h[start + t].type);
    }
    len[b] = std::max<int64_t>(n, 1);
  }
  return lengths;
}

void TorchScorer::Score(std::span<const EvalCase* const> cases, float* scores) {
  torch::NoGradGuard no_grad;
  torch::Tensor items, types;
  auto lengths = PackHistories(cases, model_->config.max_len, &items, &types);
  const auto device = model_->item_emb->weight.device();
  auto hidden = model_->EncodeLast(items.to(device), types.to(device), lengths.to(device));
  auto out = model_->ScoreAll(hidden).to(torch::kCPU).contiguous();
  std::memcpy(scores, out.data_ptr<float>(), out.numel() * sizeof(float));
}

}  // namespace nba

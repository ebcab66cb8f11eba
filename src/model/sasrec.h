// SASRec (Kang & McAuley 2018) in libtorch: causal self-attention over a
// user's events, learned positions, input and output item embeddings shared.
//
// Batches are right-padded with item 0: real events sit at positions
// 0..n-1 (the oldest kept event is position 0), padding after them. Causal
// attention means a real position never sees padding, so no key mask is
// needed, and appending an event never changes earlier positions' states,
// which is what lets serving cache them (see src/inference).
#pragma once

#include <torch/torch.h>

#include "registry/model_config.h"
#include "registry/tensor_map.h"

namespace nba {

struct SasRecBlockImpl : torch::nn::Module {
  SasRecBlockImpl(const ModelConfig& config);
  // x: [B, L, d]; causal_mask: [L, L] additive (0 or -inf).
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& causal_mask);

  ModelConfig config;
  torch::nn::LayerNorm attn_ln{nullptr}, ffn_ln{nullptr};
  torch::nn::Linear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
  torch::nn::Linear ffn1{nullptr}, ffn2{nullptr};
  torch::nn::Dropout dropout{nullptr};

 private:
  torch::Tensor Attention(const torch::Tensor& query_in, const torch::Tensor& kv_in,
                          const torch::Tensor& causal_mask);
  torch::Tensor FeedForward(const torch::Tensor& x);
};
TORCH_MODULE(SasRecBlock);

struct SasRecImpl : torch::nn::Module {
  explicit SasRecImpl(const ModelConfig& config);

  // items, types: [B, L] int64, right-padded with 0. Returns [B, L, d].
  torch::Tensor Encode(const torch::Tensor& items, const torch::Tensor& types);
  // Hidden state of the last real event of each row: [B, d].
  torch::Tensor EncodeLast(const torch::Tensor& items, const torch::Tensor& types,
                           const torch::Tensor& lengths);
  // What the output layer compares (ModelConfig::similarity): the hidden
  // states and the item table, L2-normalised when the similarity is cosine.
  torch::Tensor OutputQuery(const torch::Tensor& hidden);
  torch::Tensor OutputTable();
  // Scores of every item id (column 0 is padding): [B, num_items + 1].
  torch::Tensor ScoreAll(const torch::Tensor& hidden) { return torch::matmul(OutputQuery(hidden), OutputTable().t()); }

  // Parameters by name ("blocks.0.q.weight", ...), the artefact's weights.
  TensorMap ExportWeights();
  Status ImportWeights(const TensorMap& weights);
  // Redraws every linear weight from N(0, std) and zeroes its bias; the
  // embeddings already start that way.
  void InitLinearNormal(double std);
  // Redraws q, k, v as torch's MultiheadAttention draws its in-projection
  // (Xavier-uniform, zero bias), the SASRec reference code's attention.
  void InitQkvXavier();

  ModelConfig config;
  torch::nn::Embedding item_emb{nullptr}, pos_emb{nullptr}, type_emb{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm final_ln{nullptr};
  torch::nn::Dropout emb_dropout{nullptr};
};
TORCH_MODULE(SasRec);

}  // namespace nba

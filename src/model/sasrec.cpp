#include "model/sasrec.h"

#include <cmath>

namespace nba {

namespace {

torch::nn::LayerNorm MakeLayerNorm(const ModelConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden}).eps(c.layer_norm_eps));
}

}  // namespace

SasRecBlockImpl::SasRecBlockImpl(const ModelConfig& c) : config(c) {
  attn_ln = register_module("attn_ln", MakeLayerNorm(c));
  q = register_module("q", torch::nn::Linear(c.hidden, c.hidden));
  k = register_module("k", torch::nn::Linear(c.hidden, c.hidden));
  v = register_module("v", torch::nn::Linear(c.hidden, c.hidden));
  o = register_module("o", torch::nn::Linear(c.hidden, c.hidden));
  ffn_ln = register_module("ffn_ln", MakeLayerNorm(c));
  ffn1 = register_module("ffn1", torch::nn::Linear(c.hidden, c.ffn_dim));
  ffn2 = register_module("ffn2", torch::nn::Linear(c.ffn_dim, c.hidden));
  dropout = register_module("dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor SasRecBlockImpl::Attention(const torch::Tensor& query_in, const torch::Tensor& kv_in,
                                         const torch::Tensor& causal_mask) {
  const int64_t B = query_in.size(0), L = query_in.size(1), H = config.heads;
  const int64_t dh = config.hidden / H;
  auto split = [&](const torch::Tensor& t) { return t.view({B, L, H, dh}).transpose(1, 2); };
  auto qh = split(q(query_in)), kh = split(k(kv_in)), vh = split(v(kv_in));
  auto scores = torch::matmul(qh, kh.transpose(-2, -1)) / std::sqrt(static_cast<double>(dh));
  auto weights = dropout(torch::softmax(scores + causal_mask, -1));
  auto out = torch::matmul(weights, vh).transpose(1, 2).reshape({B, L, config.hidden});
  return config.attn_output_dropout ? dropout(o(out)) : o(out);
}

torch::Tensor SasRecBlockImpl::FeedForward(const torch::Tensor& x) {
  auto h = ffn1(x);
  h = config.activation == "gelu" ? torch::gelu(h) : torch::relu(h);
  return dropout(ffn2(dropout(h)));
}

torch::Tensor SasRecBlockImpl::forward(torch::Tensor x, const torch::Tensor& causal_mask) {
  if (config.layout == "original") {
    auto query = attn_ln(x);
    x = query + Attention(query, x, causal_mask);
    x = ffn_ln(x);
    return x + FeedForward(x);
  }
  auto h = attn_ln(x);
  x = x + Attention(h, h, causal_mask);
  return x + FeedForward(ffn_ln(x));
}

SasRecImpl::SasRecImpl(const ModelConfig& c) : config(c) {
  item_emb = register_module("item_emb", torch::nn::Embedding(c.num_items + 1, c.hidden));
  pos_emb = register_module("pos_emb", torch::nn::Embedding(c.max_len, c.hidden));
  if (c.event_types) type_emb = register_module("type_emb", torch::nn::Embedding(7, c.hidden));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t b = 0; b < c.blocks; ++b) blocks->push_back(SasRecBlock(c));
  final_ln = register_module("final_ln", MakeLayerNorm(c));
  emb_dropout = register_module("emb_dropout", torch::nn::Dropout(c.dropout));

  torch::NoGradGuard no_grad;
  torch::nn::init::normal_(item_emb->weight, 0.0, 0.02);
  item_emb->weight[0].zero_();
  torch::nn::init::normal_(pos_emb->weight, 0.0, 0.02);
  if (type_emb) torch::nn::init::normal_(type_emb->weight, 0.0, 0.02);
}

torch::Tensor SasRecImpl::Encode(const torch::Tensor& items, const torch::Tensor& types) {
  const int64_t L = items.size(1);
  TORCH_CHECK(L <= config.max_len, "sequence longer than max_len");
  auto positions = torch::arange(L, torch::TensorOptions().dtype(torch::kLong).device(items.device())).unsqueeze(0);
  if (config.positions == "from_end") {
    // Rows are right-padded: row b's newest event is at index len_b - 1 and
    // takes position max_len - 1. Padding positions are clamped (and unused).
    auto lengths = (items != 0).sum(1, /*keepdim=*/true);
    positions = (positions + (config.max_len - lengths)).clamp(0, config.max_len - 1);
  }
  auto x = item_emb(items) * std::sqrt(static_cast<double>(config.hidden)) + pos_emb(positions);
  if (type_emb) x = x + type_emb(types);
  x = emb_dropout(x);
  auto causal_mask = torch::full({L, L}, -std::numeric_limits<float>::infinity(),
                                 torch::TensorOptions().device(items.device()))
                         .triu(1);
  for (const auto& block : *blocks) x = block->as<SasRecBlockImpl>()->forward(x, causal_mask);
  return final_ln(x);
}

torch::Tensor SasRecImpl::EncodeLast(const torch::Tensor& items, const torch::Tensor& types,
                                     const torch::Tensor& lengths) {
  auto hidden = Encode(items, types);
  auto index = (lengths - 1).view({-1, 1, 1}).expand({-1, 1, hidden.size(2)});
  return hidden.gather(1, index).squeeze(1);
}

torch::Tensor SasRecImpl::OutputQuery(const torch::Tensor& hidden) {
  if (config.similarity != "cosine") return hidden;
  namespace F = torch::nn::functional;
  return F::normalize(hidden, F::NormalizeFuncOptions().dim(-1).eps(ModelConfig::kCosineEps));
}

torch::Tensor SasRecImpl::OutputTable() { return OutputQuery(item_emb->weight); }

void SasRecImpl::InitLinearNormal(double std) {
  torch::NoGradGuard no_grad;
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* linear = module->as<torch::nn::LinearImpl>()) {
      torch::nn::init::normal_(linear->weight, 0.0, std);
      if (linear->bias.defined()) linear->bias.zero_();
    }
  }
}

void SasRecImpl::InitQkvXavier() {
  torch::NoGradGuard no_grad;
  // torch's MultiheadAttention stacks q, k, v into one [3d, d] matrix, so
  // fan_in + fan_out is d + 3d, not d + d as for each matrix alone.
  const double bound = std::sqrt(6.0 / static_cast<double>(4 * config.hidden));
  for (const auto& block : *blocks) {
    auto* b = block->as<SasRecBlockImpl>();
    for (auto* linear : {b->q.get(), b->k.get(), b->v.get()}) {
      torch::nn::init::uniform_(linear->weight, -bound, bound);
      linear->bias.zero_();
    }
  }
}

TensorMap SasRecImpl::ExportWeights() {
  TensorMap out;
  for (const auto& p : named_parameters()) {
    auto t = p.value().detach().to(torch::kCPU).contiguous().to(torch::kFloat);
    Tensor dst;
    dst.shape.assign(t.sizes().begin(), t.sizes().end());
    dst.data.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    out.emplace(p.key(), std::move(dst));
  }
  return out;
}

Status SasRecImpl::ImportWeights(const TensorMap& weights) {
  torch::NoGradGuard no_grad;
  for (auto& p : named_parameters()) {
    auto it = weights.find(p.key());
    if (it == weights.end()) return Status::Corruption("weights: missing tensor " + p.key());
    const Tensor& src = it->second;
    std::vector<int64_t> want(p.value().sizes().begin(), p.value().sizes().end());
    if (src.shape != want || static_cast<int64_t>(src.data.size()) != src.numel())
      return Status::Corruption("weights: tensor " + p.key() + " has the wrong shape");
    auto t = torch::from_blob(const_cast<float*>(src.data.data()), want, torch::kFloat);
    p.value().copy_(t);
  }
  if (weights.size() != named_parameters().size())
    return Status::Corruption("weights: unexpected extra tensors for this config");
  return Status::Ok();
}

}  // namespace nba

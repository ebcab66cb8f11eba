#include "inference/sasrec_engine.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>

namespace nba {

namespace {

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Checks tensors by name and shape, appending their data to the engine's
// buffers, and remembers which names were used to reject leftovers.
class WeightReader {
 public:
  explicit WeightReader(const TensorMap& weights) : weights_(weights) {}

  Status Take(const std::string& name, const std::vector<int64_t>& shape, std::vector<float>* dst) {
    auto it = weights_.find(name);
    if (it == weights_.end()) return Status::Corruption("weights: missing tensor " + name);
    const Tensor& t = it->second;
    if (t.shape != shape)
      return Status::Corruption("weights: tensor " + name + " has shape " + ShapeString(t.shape) +
                                ", expected " + ShapeString(shape));
    if (static_cast<int64_t>(t.data.size()) != t.numel())
      return Status::Corruption("weights: tensor " + name + " holds " + std::to_string(t.data.size()) +
                                " values for shape " + ShapeString(t.shape));
    dst->insert(dst->end(), t.data.begin(), t.data.end());
    used_.insert(name);
    return Status::Ok();
  }

  Status CheckNoneLeft() const {
    for (const auto& [name, tensor] : weights_)
      if (!used_.count(name)) return Status::Corruption("weights: unexpected tensor " + name + " for this config");
    return Status::Ok();
  }

 private:
  const TensorMap& weights_;
  std::set<std::string> used_;
};

// c[m][n] = alpha · a[m][k] · op(b) + beta · c, row-major, with b stored
// [n][k] when trans_b (a Linear weight, an embedding table) and [k][n] when
// not. A single row goes to sgemv: sgemm packs b first, which one row does
// not repay (scoring 12k items: 263 vs 197 µs).
void Gemm(bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
          float beta, float* c, int ldc) {
  if (m == 1) {
    cblas_sgemv(CblasRowMajor, trans_b ? CblasNoTrans : CblasTrans, trans_b ? n : k, trans_b ? k : n, alpha, b,
                ldb, a, 1, beta, c, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
              beta, c, ldc);
}

// y[rows][out] (row stride ldy) = x[rows][in] · w[out][in]ᵀ + b.
void Linear(const float* x, int rows, int in, const std::vector<float>& w, const std::vector<float>& b,
            int out, float* y, int ldy) {
  for (int r = 0; r < rows; ++r) std::copy(b.begin(), b.end(), y + static_cast<size_t>(r) * ldy);
  Gemm(true, rows, out, in, 1.0f, x, in, w.data(), in, 1.0f, y, ldy);
}

// Each row divided by max(its L2 norm, kCosineEps), as torch's normalize.
void NormalizeRows(float* x, int rows, int d) {
  for (int r = 0; r < rows; ++r) {
    float* row = x + static_cast<size_t>(r) * d;
    double sq = 0;
    for (int j = 0; j < d; ++j) sq += static_cast<double>(row[j]) * row[j];
    const float inv = 1.0f / std::max(static_cast<float>(std::sqrt(sq)), ModelConfig::kCosineEps);
    for (int j = 0; j < d; ++j) row[j] *= inv;
  }
}

}  // namespace

// Per-thread scratch, sized for max_len rows; kv holds the keys and values of
// a full recompute that has no UserState to keep them in.
struct SasRecEngine::Workspace {
  std::vector<float> kv, x, y, h, q, a, f, s;
};

Status SasRecEngine::Create(const ModelConfig& config, const TensorMap& weights,
                            std::unique_ptr<SasRecEngine>* out) {
  NBA_RETURN_IF_ERROR(config.Validate());
  std::unique_ptr<SasRecEngine> e(new SasRecEngine(config));
  const int64_t d = config.hidden, f = config.ffn_dim;
  e->d_ = static_cast<int>(d);
  e->f_ = static_cast<int>(f);
  e->heads_ = static_cast<int>(config.heads);
  e->kv_stride_ = static_cast<int>(config.blocks * 2 * d);
  e->eps_ = static_cast<float>(config.layer_norm_eps);
  e->gelu_ = config.activation == "gelu";
  e->pre_ln_ = config.layout == "pre_ln";
  e->from_end_ = config.positions == "from_end";

  WeightReader r(weights);
  NBA_RETURN_IF_ERROR(r.Take("item_emb.weight", {config.num_items + 1, d}, &e->item_emb_));
  NBA_RETURN_IF_ERROR(r.Take("pos_emb.weight", {config.max_len, d}, &e->pos_emb_));
  if (config.event_types) NBA_RETURN_IF_ERROR(r.Take("type_emb.weight", {kNumEventTypes, d}, &e->type_emb_));
  e->blocks_.resize(config.blocks);
  for (int64_t b = 0; b < config.blocks; ++b) {
    const std::string p = "blocks." + std::to_string(b) + ".";
    Block& blk = e->blocks_[b];
    NBA_RETURN_IF_ERROR(r.Take(p + "attn_ln.weight", {d}, &blk.attn_ln_g));
    NBA_RETURN_IF_ERROR(r.Take(p + "attn_ln.bias", {d}, &blk.attn_ln_b));
    NBA_RETURN_IF_ERROR(r.Take(p + "q.weight", {d, d}, &blk.wq));
    NBA_RETURN_IF_ERROR(r.Take(p + "q.bias", {d}, &blk.bq));
    // Take() appends: K then V rows make one [2d][d] projection, one product.
    NBA_RETURN_IF_ERROR(r.Take(p + "k.weight", {d, d}, &blk.wkv));
    NBA_RETURN_IF_ERROR(r.Take(p + "v.weight", {d, d}, &blk.wkv));
    NBA_RETURN_IF_ERROR(r.Take(p + "k.bias", {d}, &blk.bkv));
    NBA_RETURN_IF_ERROR(r.Take(p + "v.bias", {d}, &blk.bkv));
    NBA_RETURN_IF_ERROR(r.Take(p + "o.weight", {d, d}, &blk.wo));
    NBA_RETURN_IF_ERROR(r.Take(p + "o.bias", {d}, &blk.bo));
    NBA_RETURN_IF_ERROR(r.Take(p + "ffn_ln.weight", {d}, &blk.ffn_ln_g));
    NBA_RETURN_IF_ERROR(r.Take(p + "ffn_ln.bias", {d}, &blk.ffn_ln_b));
    NBA_RETURN_IF_ERROR(r.Take(p + "ffn1.weight", {f, d}, &blk.w1));
    NBA_RETURN_IF_ERROR(r.Take(p + "ffn1.bias", {f}, &blk.b1));
    NBA_RETURN_IF_ERROR(r.Take(p + "ffn2.weight", {d, f}, &blk.w2));
    NBA_RETURN_IF_ERROR(r.Take(p + "ffn2.bias", {d}, &blk.b2));
  }
  NBA_RETURN_IF_ERROR(r.Take("final_ln.weight", {d}, &e->final_ln_g_));
  NBA_RETURN_IF_ERROR(r.Take("final_ln.bias", {d}, &e->final_ln_b_));
  NBA_RETURN_IF_ERROR(r.CheckNoneLeft());
  e->cosine_ = config.similarity == "cosine";
  if (e->cosine_) {
    e->unit_item_emb_ = e->item_emb_;
    NormalizeRows(e->unit_item_emb_.data(), static_cast<int>(config.num_items + 1), e->d_);
  }
  *out = std::move(e);
  return Status::Ok();
}

SasRecEngine::Workspace* SasRecEngine::Scratch() const {
  thread_local Workspace ws;
  const size_t L = config_.max_len;
  auto fit = [](std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
  };
  fit(ws.kv, L * kv_stride_);
  for (auto* v : {&ws.x, &ws.y, &ws.h, &ws.q, &ws.a}) fit(*v, L * d_);
  fit(ws.f, L * f_);
  fit(ws.s, L * L);
  return &ws;
}

void SasRecEngine::Embed(const Interaction* events, int first, int n, float* x) const {
  const float scale = std::sqrt(static_cast<float>(d_));
  const int offset = from_end_ ? static_cast<int>(config_.max_len) - n : 0;
  for (int p = first; p < n; ++p) {
    const Interaction& ev = events[p];
    const uint32_t item = ev.item <= config_.num_items ? ev.item : 0;
    const int type = static_cast<int>(ev.type) < kNumEventTypes ? static_cast<int>(ev.type) : 0;
    const float* ie = &item_emb_[static_cast<size_t>(item) * d_];
    const float* pe = &pos_emb_[static_cast<size_t>(p + offset) * d_];
    float* row = x + static_cast<size_t>(p - first) * d_;
    for (int j = 0; j < d_; ++j) row[j] = ie[j] * scale + pe[j];
    if (!type_emb_.empty()) {
      const float* te = &type_emb_[static_cast<size_t>(type) * d_];
      for (int j = 0; j < d_; ++j) row[j] += te[j];
    }
  }
}

void SasRecEngine::LayerNorm(const float* x, int rows, const std::vector<float>& g,
                             const std::vector<float>& b, float* y) const {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<size_t>(r) * d_;
    float* yr = y + static_cast<size_t>(r) * d_;
    float mean = 0;
    for (int j = 0; j < d_; ++j) mean += xr[j];
    mean /= d_;
    float var = 0;
    for (int j = 0; j < d_; ++j) var += (xr[j] - mean) * (xr[j] - mean);
    const float inv = 1.0f / std::sqrt(var / d_ + eps_);
    for (int j = 0; j < d_; ++j) yr[j] = (xr[j] - mean) * inv * g[j] + b[j];
  }
}

void SasRecEngine::Attention(const float* q, int n, int out_rows, const float* kv_block, float* out,
                             Workspace* ws) const {
  const int dh = d_ / heads_;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  const int first = n - out_rows;  // position of query row 0
  float* s = ws->s.data();
  for (int h = 0; h < heads_; ++h) {
    const float* k = kv_block + h * dh;
    const float* v = kv_block + d_ + h * dh;
    Gemm(true, out_rows, n, dh, scale, q + h * dh, d_, k, kv_stride_, 0.0f, s, n);
    for (int i = 0; i < out_rows; ++i) {
      float* row = s + static_cast<size_t>(i) * n;
      const int visible = first + i + 1;  // causal: positions 0..first+i
      const float mx = *std::max_element(row, row + visible);
      float sum = 0;
      for (int j = 0; j < visible; ++j) sum += row[j] = std::exp(row[j] - mx);
      const float inv = 1.0f / sum;
      for (int j = 0; j < visible; ++j) row[j] *= inv;
      std::fill(row + visible, row + n, 0.0f);
    }
    Gemm(false, out_rows, dh, n, 1.0f, s, n, v, kv_stride_, 0.0f, out + h * dh, d_);
  }
}

void SasRecEngine::FeedForward(const Block& blk, const float* in, int rows, float* out, Workspace* ws) const {
  float* f = ws->f.data();
  Linear(in, rows, d_, blk.w1, blk.b1, f_, f, f_);
  const size_t count = static_cast<size_t>(rows) * f_;
  if (gelu_) {
    const float inv_sqrt2 = 0.70710678118654752f;  // torch::gelu's default, the erf form
    for (size_t i = 0; i < count; ++i) f[i] = 0.5f * f[i] * (1.0f + std::erf(f[i] * inv_sqrt2));
  } else {
    for (size_t i = 0; i < count; ++i) f[i] = std::max(f[i], 0.0f);
  }
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < d_; ++j) out[static_cast<size_t>(r) * d_ + j] += blk.b2[j];
  Gemm(true, rows, d_, f_, 1.0f, f, f_, blk.w2.data(), f_, 1.0f, out, d_);
}

void SasRecEngine::RunBlock(int b, const float* x, int n, int start, int out_rows, float* kv, float* y,
                            Workspace* ws) const {
  const Block& blk = blocks_[b];
  const int m = n - start;
  const float* xq = x + static_cast<size_t>(m - out_rows) * d_;  // rows whose outputs are wanted
  float* kv_new = kv + static_cast<size_t>(start) * kv_stride_ + b * 2 * d_;
  float* h = ws->h.data();
  float* q = ws->q.data();
  const float* residual;
  if (pre_ln_) {  // x += Attn(LN(x)); keys, values and queries all read LN(x)
    LayerNorm(x, m, blk.attn_ln_g, blk.attn_ln_b, h);
    Linear(h, m, d_, blk.wkv, blk.bkv, 2 * d_, kv_new, kv_stride_);
    Linear(h + static_cast<size_t>(m - out_rows) * d_, out_rows, d_, blk.wq, blk.bq, d_, q, d_);
    residual = xq;
  } else {  // q = LN(x); x = q + Attn(q, x, x)
    LayerNorm(xq, out_rows, blk.attn_ln_g, blk.attn_ln_b, h);
    Linear(x, m, d_, blk.wkv, blk.bkv, 2 * d_, kv_new, kv_stride_);
    Linear(h, out_rows, d_, blk.wq, blk.bq, d_, q, d_);
    residual = h;
  }
  float* a = ws->a.data();
  Attention(q, n, out_rows, kv + b * 2 * d_, a, ws);
  Linear(a, out_rows, d_, blk.wo, blk.bo, d_, y, d_);
  const size_t count = static_cast<size_t>(out_rows) * d_;
  for (size_t i = 0; i < count; ++i) y[i] += residual[i];
  if (pre_ln_) {  // x += FFN(LN(x))
    LayerNorm(y, out_rows, blk.ffn_ln_g, blk.ffn_ln_b, h);
    FeedForward(blk, h, out_rows, y, ws);
  } else {  // x = LN(x); x += FFN(x)
    LayerNorm(y, out_rows, blk.ffn_ln_g, blk.ffn_ln_b, y);
    FeedForward(blk, y, out_rows, y, ws);
  }
}

void SasRecEngine::Forward(const Interaction* events, int n, int start, float* kv, float* hidden_out,
                           Workspace* ws) const {
  float* x = ws->x.data();
  float* y = ws->y.data();
  Embed(events, start, n, x);
  const int blocks = static_cast<int>(blocks_.size());
  for (int b = 0; b < blocks; ++b) {
    // Later blocks need every new position; the last one only the last.
    RunBlock(b, x, n, start, b + 1 == blocks ? 1 : n - start, kv, y, ws);
    std::swap(x, y);
  }
  LayerNorm(x, 1, final_ln_g_, final_ln_b_, hidden_out);
  if (cosine_) NormalizeRows(hidden_out, 1, d_);
}

void SasRecEngine::EncodeLast(std::span<const Interaction> history, float* hidden_out) const {
  const int n = static_cast<int>(std::min<size_t>(history.size(), config_.max_len));
  if (n == 0) {
    std::fill(hidden_out, hidden_out + d_, 0.0f);
    return;
  }
  Workspace* ws = Scratch();
  Forward(history.data() + history.size() - n, n, 0, ws->kv.data(), hidden_out, ws);
}

void SasRecEngine::EncodeLastBatch(std::span<const std::span<const Interaction>> histories,
                                   float* hidden_out) const {
  for (size_t r = 0; r < histories.size(); ++r) EncodeLast(histories[r], hidden_out + r * d_);
}

void SasRecEngine::ScoreItems(const float* hidden, int rows, float* scores) const {
  const int width = static_cast<int>(score_width());
  const float* table = cosine_ ? unit_item_emb_.data() : item_emb_.data();
  Gemm(true, rows, width, d_, 1.0f, hidden, d_, table, d_, 0.0f, scores, width);
}

void SasRecEngine::TopK(const float* scores, int k, const std::vector<uint32_t>& exclude,
                        std::vector<std::pair<uint32_t, float>>* out) const {
  using Entry = std::pair<uint32_t, float>;
  // "a before b" in the ranking; the heap keeps the worst kept entry on top.
  auto better = [](const Entry& a, const Entry& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  };
  out->clear();
  if (k <= 0) return;
  const size_t cap = std::min<int64_t>(k, config_.num_items);  // a huge k must not allocate
  out->reserve(cap);
  // Ids rise through the scan, so once the heap is full a score equal to the
  // worst kept one loses the tie: a single compare rejects most items.
  float worst = -std::numeric_limits<float>::infinity();
  auto ex = exclude.begin();
  const uint32_t width = static_cast<uint32_t>(score_width());
  for (uint32_t id = 1; id < width; ++id) {
    const float s = scores[id];
    if (out->size() == cap && s <= worst) continue;
    while (ex != exclude.end() && *ex < id) ++ex;
    if (ex != exclude.end() && *ex == id) continue;
    if (out->size() == cap) {
      std::pop_heap(out->begin(), out->end(), better);
      out->pop_back();
    }
    out->emplace_back(id, s);
    std::push_heap(out->begin(), out->end(), better);
    if (out->size() == cap) worst = out->front().second;
  }
  std::sort_heap(out->begin(), out->end(), better);
}

void SasRecEngine::InitState(std::span<const Interaction> history, UserState* state) const {
  const size_t n = std::min<size_t>(history.size(), config_.max_len);
  state->events.assign(history.end() - n, history.end());
  state->kv.resize(n * kv_stride_);
  state->hidden.assign(d_, 0.0f);
  if (n > 0) Forward(state->events.data(), static_cast<int>(n), 0, state->kv.data(), state->hidden.data(), Scratch());
}

void SasRecEngine::Append(UserState* state, const Interaction& event) const {
  state->hidden.resize(d_);
  const bool window_full = state->events.size() >= static_cast<size_t>(config_.max_len);
  // Positions counted from the newest event, or a sliding window: every
  // position shifts, so nothing cached still holds and the state is rebuilt.
  const bool rebuild = from_end_ || window_full;
  if (window_full) state->events.erase(state->events.begin());
  state->events.push_back(event);
  const int n = static_cast<int>(state->events.size());
  // Grow by doubling but never past max_len positions, the most it needs.
  const size_t need = static_cast<size_t>(n) * kv_stride_;
  if (state->kv.capacity() < need)
    state->kv.reserve(std::min<size_t>(2 * n, config_.max_len) * kv_stride_);
  state->kv.resize(need);
  Forward(state->events.data(), n, rebuild ? 0 : n - 1, state->kv.data(), state->hidden.data(), Scratch());
}

}  // namespace nba

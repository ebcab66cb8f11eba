// SasRecEngine: the serving forward pass of SASRec (src/model/sasrec.h) in
// plain C++ and BLAS, with no torch, no autograd and no dropout. It computes
// exactly the eval-mode forward of the libtorch model (both layouts, relu or
// erf-gelu, any head count, optional event-type embedding) but only what the
// last position needs: in the last block, queries, attention output and
// feed-forward run for one row.
//
// Threads: the engine is immutable after Create(), so one instance serves any
// number of threads; each call uses a thread-local workspace that grows once
// and is reused (no allocation per call in steady state). Each serving thread
// runs whole sequences, so BLAS itself must stay single-threaded: the process
// that serves (e.g. `nba serve` at startup) calls openblas_set_num_threads(1)
// or runs with OPENBLAS_NUM_THREADS=1. The engine does not change that
// process-wide setting itself, since a trainer may share the process.
//
// CPU kernels: Debian's OpenBLAS 0.3.21 does not know recent Xeons (e.g.
// Emerald Rapids) and falls back to its SSE3 "Prescott" kernels, which makes
// this engine about 2x slower. OpenBLAS reads OPENBLAS_CORETYPE (e.g.
// "SkylakeX" or "Haswell") only when it loads, so the launcher must set it:
// `nba` re-executes itself with OPENBLAS_CORETYPE=Haswell (src/cli/blas_setup.h).
//
// Input events: the last max_len events of a history are encoded, the oldest
// kept one at position 0 (config positions "from_start"), or the newest one at
// position max_len - 1 ("from_end", the paper's alignment). Items outside [1, num_items] and types outside
// [0, kNumEventTypes) embed as padding (row 0), so a stale or hostile id can
// never read outside the tables; callers should drop such events first. An
// empty history yields a zero hidden state (all scores equal): callers fall
// back to a non-personal ranking for it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "core/status.h"
#include "data/dataset.h"
#include "registry/model_config.h"
#include "registry/tensor_map.h"

namespace nba {

// The incremental state of one user: per position and block, the attention
// keys and values, which causal attention never revisits. While the window is
// not full, Append() computes only the new position: O(n·d) attention plus
// O(d²) projections per block. Once the history exceeds max_len the window
// slides, every position index shifts, and Append() rebuilds the state from
// the last max_len events (the cost of one full EncodeLast). With positions
// "from_end" every event shifts every position, so Append() always rebuilds.
//
// Memory: 4·n·blocks·2·hidden bytes of keys/values, 16·n of events and
// 4·hidden of output, for n = min(events seen, max_len); e.g. 52 KB at
// n = 50, hidden 64, 2 blocks. Appending grows the buffers by doubling,
// capped at max_len positions, so capacity stays below twice that. It is a cache for active sessions, not a
// per-user store: it can always be rebuilt from the user's events.
struct UserState {
  std::vector<Interaction> events;  // the window, oldest first, size <= max_len
  std::vector<float> kv;            // [n][blocks][K row | V row], floats
  std::vector<float> hidden;        // final hidden state of the last event
};

class SasRecEngine {
 public:
  // Copies `weights` (named as SasRecImpl::ExportWeights names them) after
  // checking every tensor's presence and shape against `config`; a missing,
  // misshapen or unexpected tensor is Corruption naming it.
  static Status Create(const ModelConfig& config, const TensorMap& weights,
                       std::unique_ptr<SasRecEngine>* out);

  const ModelConfig& config() const { return config_; }
  int hidden() const { return static_cast<int>(config_.hidden); }
  // Columns of a score row: item ids 0..num_items, 0 being padding.
  int64_t score_width() const { return config_.num_items + 1; }

  // Final hidden state of the last event of `history`: hidden() floats,
  // L2-normalised when the model scores by cosine similarity.
  void EncodeLast(std::span<const Interaction> history, float* hidden_out) const;
  // EncodeLast for each history in turn, row r at hidden_out + r·hidden().
  // Stacking 32 histories into shared projections would save ~10% (sgemm
  // 1600×64×128 vs 32 of 50×64×128: 6.2 vs 8.8 µs per sequence) while the
  // attention stays per row; batching pays in ScoreItems instead (one pass
  // over the item table for all rows: 21 vs 98 µs per row at 12k items).
  void EncodeLastBatch(std::span<const std::span<const Interaction>> histories,
                       float* hidden_out) const;

  // scores[r][i] = hidden[r] · item_embedding[i], rows × score_width(). With
  // cosine similarity both are unit vectors (EncodeLast normalises hidden).
  void ScoreItems(const float* hidden, int rows, float* scores) const;

  // The k best items of one score row, best first (ties: lower id first),
  // never padding id 0 nor any id in `exclude` (sorted ascending). Fewer than
  // k when fewer items remain. Partial selection with a k-sized heap.
  void TopK(const float* scores, int k, const std::vector<uint32_t>& exclude,
            std::vector<std::pair<uint32_t, float>>* out) const;

  // Replaces `state` with the state after `history` (last max_len events).
  void InitState(std::span<const Interaction> history, UserState* state) const;
  // Adds one event; state->hidden becomes its final hidden state, equal to
  // EncodeLast over the whole history so far.
  void Append(UserState* state, const Interaction& event) const;

 private:
  struct Block {
    std::vector<float> attn_ln_g, attn_ln_b, ffn_ln_g, ffn_ln_b;
    std::vector<float> wq, bq;    // [d][d], [d]
    std::vector<float> wkv, bkv;  // [2d][d]: K rows then V rows, [2d]
    std::vector<float> wo, bo;    // [d][d], [d]
    std::vector<float> w1, b1;    // [f][d], [f]
    std::vector<float> w2, b2;    // [d][f], [d]
  };
  struct Workspace;

  explicit SasRecEngine(const ModelConfig& config) : config_(config) {}

  // Encodes events[0, n) given keys/values of positions [0, start) already in
  // `kv` (layout as UserState::kv); fills positions [start, n) of `kv` and
  // writes the final hidden state of position n - 1.
  void Forward(const Interaction* events, int n, int start, float* kv, float* hidden_out,
               Workspace* ws) const;
  // This thread's workspace, grown to fit this engine.
  Workspace* Scratch() const;
  void Embed(const Interaction* events, int first, int n, float* x) const;
  // One block over rows [start, n) of its input `x` (row 0 = position start);
  // writes the output of the last `out_rows` positions into `y`.
  void RunBlock(int b, const float* x, int n, int start, int out_rows, float* kv, float* y,
                Workspace* ws) const;
  void Attention(const float* q, int n, int out_rows, const float* kv_block, float* out,
                 Workspace* ws) const;
  // out[rows] += FFN(in[rows]); `in` may be `out`.
  void FeedForward(const Block& blk, const float* in, int rows, float* out, Workspace* ws) const;
  void LayerNorm(const float* x, int rows, const std::vector<float>& g, const std::vector<float>& b,
                 float* y) const;

  ModelConfig config_;
  int d_ = 0, f_ = 0, heads_ = 0, kv_stride_ = 0;  // kv_stride_: floats per position in kv
  float eps_ = 0;
  bool gelu_ = false, pre_ln_ = true, from_end_ = false;
  std::vector<float> item_emb_, pos_emb_, type_emb_;
  std::vector<Block> blocks_;
  std::vector<float> final_ln_g_, final_ln_b_;
  bool cosine_ = false;
  std::vector<float> unit_item_emb_;  // cosine only: item_emb_ rows L2-normalised
};

}  // namespace nba

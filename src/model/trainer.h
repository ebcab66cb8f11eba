// Trainer: fits a SasRec on a Split's training sequences, early-stopping on
// validation NDCG@10 (full ranking). The test cases are never looked at here.
#pragma once

#include <functional>
#include <string>

#include "data/split.h"
#include "model/sasrec.h"

namespace nba {

struct TrainConfig {
  // "ce": full softmax cross-entropy over all items; "bce": the paper's one
  // sampled negative per position; "sampled_softmax": `negatives` shared
  // uniform negatives per batch (for catalogues too large for "ce").
  std::string loss = "ce";
  int64_t negatives = 256;
  // Logits are divided by it. With cosine similarity (scores in [-1, 1]) a
  // small one (HSTU: 0.05) lets the softmax be sharp; 1 leaves dot products.
  double temperature = 1.0;
  std::string optimizer = "adam";  // "adam" or "adamw"
  double lr = 1e-3;
  double adam_beta2 = 0.98;
  double weight_decay = 0.0;
  int64_t batch_size = 128;
  // "by_length": batches of users with similar history lengths (less padding,
  // about 3x faster per epoch on Beauty); "random": batches drawn uniformly
  // each epoch (plain SGD, about 10% better NDCG@10 on Beauty).
  std::string batching = "by_length";
  // "torch": libtorch's default linear-layer init; "normal": every linear
  // weight from N(0, 0.02) and zero biases (GPT-2 / RecBole SASRec);
  // "normal_xavier_qkv": the same but q, k, v Xavier-uniform, as in the
  // SASRec reference code built on torch's MultiheadAttention.
  std::string init = "torch";
  int64_t epochs = 200;           // upper bound; early stopping usually ends sooner
  int64_t patience = 10;          // evaluations without improvement before stopping
  int64_t eval_every = 1;         // epochs between validation runs
  int64_t max_valid_cases = 0;    // 0: every validation case
  uint64_t seed = 42;
  // Threads of the full-softmax output layer, the one part of a step large
  // enough to pay for a second core; libtorch's own ops keep torch_threads
  // (measured here: more intra-op threads slow its small ops down).
  int threads = 1;
  int torch_threads = 1;
  // "cpu", or "cuda" where libtorch was built with CUDA and sees a GPU. The
  // trained model stays there (TorchScorer scores on its device and
  // ExportWeights copies to the CPU); serving never needs a GPU.
  std::string device = "cpu";
  std::string checkpoint_dir;     // empty: no checkpoints
  bool resume = false;            // continue from checkpoint_dir
  // false: train exactly `epochs` epochs without validation and keep the
  // final weights (a final fit whose epoch count validation chose earlier).
  bool early_stopping = true;
  // After early stopping, train a fresh model on training + validation
  // events for the best epoch count; that model is the result (nba train).
  bool refit = false;

  nlohmann::json ToJson() const;
  // Checks every field on its own (names the field); Train also checks them
  // against the split, so callers may validate before loading data.
  Status Validate() const;
};

struct EpochLog {
  int64_t epoch = 0, epochs = 0;
  double loss = 0, seconds = 0, eta_seconds = 0;
  bool evaluated = false;
  double valid_ndcg10 = 0, valid_hr10 = 0;
  double best_ndcg10 = 0;
  int64_t best_epoch = 0;
};

struct TrainResult {
  int64_t epochs_run = 0, best_epoch = 0;
  double best_valid_ndcg10 = 0;
  double train_seconds = 0;    // wall time of the whole run, evaluation included
  double seconds_to_best = 0;  // wall time until the best epoch finished
  double seconds_per_epoch = 0;  // training only, no evaluation
};

// Trains `model` in place; on return it holds the best validation weights.
Status Train(const Split& split, const TrainConfig& config, SasRec model,
             const std::function<void(const EpochLog&)>& on_epoch, TrainResult* result);

}  // namespace nba

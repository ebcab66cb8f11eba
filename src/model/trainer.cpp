#include "model/trainer.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include "eval/evaluator.h"
#include "model/softmax_loss.h"
#include "model/torch_scorer.h"

namespace nba {

namespace fs = std::filesystem;

nlohmann::json TrainConfig::ToJson() const {
  return {{"loss", loss},         {"negatives", negatives},   {"optimizer", optimizer},
          {"lr", lr},             {"weight_decay", weight_decay}, {"batch_size", batch_size},
          {"epochs", epochs},     {"patience", patience},     {"eval_every", eval_every},
          {"seed", seed},         {"threads", threads},   {"torch_threads", torch_threads},
          {"refit", refit},       {"adam_beta2", adam_beta2}, {"batching", batching},
          {"init", init},         {"temperature", temperature}, {"device", device}};
}

namespace {

using Clock = std::chrono::steady_clock;

// "train: loss must be ce, bce or sampled_softmax, not hinge".
Status CheckOneOf(const char* field, const std::string& value, std::initializer_list<const char*> allowed) {
  std::string list;
  size_t i = 0;
  for (const char* a : allowed) {
    if (value == a) return Status::Ok();
    list += (i == 0 ? "" : (i + 1 == allowed.size() ? " or " : ", "));
    list += a;
    ++i;
  }
  return Status::InvalidArgument(std::string("train: ") + field + " must be " + list + ", not " + value);
}

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One training batch: inputs are each sequence but its last event, targets
// the sequence shifted by one (0 where there is nothing to predict).
struct Batch {
  torch::Tensor items, types, targets;
};

Batch MakeBatch(const std::vector<std::vector<Interaction>>& seqs, std::span<const uint32_t> users,
                int64_t max_len, torch::Device device) {
  int64_t L = 1;
  for (uint32_t u : users) L = std::max<int64_t>(L, std::min<int64_t>(max_len, seqs[u].size() - 1));
  const int64_t B = static_cast<int64_t>(users.size());
  Batch b{torch::zeros({B, L}, torch::kLong), torch::zeros({B, L}, torch::kLong),
          torch::zeros({B, L}, torch::kLong)};
  auto it = b.items.accessor<int64_t, 2>();
  auto ty = b.types.accessor<int64_t, 2>();
  auto tg = b.targets.accessor<int64_t, 2>();
  for (int64_t r = 0; r < B; ++r) {
    const auto& s = seqs[users[r]];
    const int64_t n = std::min<int64_t>(L, s.size() - 1);
    const size_t start = s.size() - 1 - n;
    for (int64_t t = 0; t < n; ++t) {
      it[r][t] = s[start + t].item;
      ty[r][t] = static_cast<int64_t>(s[start + t].type);
      tg[r][t] = s[start + t + 1].item;
    }
  }
  return {b.items.to(device), b.types.to(device), b.targets.to(device)};  // no copy on the CPU
}

// Shuffles users; "by_length" then sorts runs of 64 batches by length so a
// batch pads to similar lengths (less wasted attention), and shuffles the
// batch order. Batches of similar lengths cost accuracy (measured on Beauty
// and ML-1M, bench/accuracy/notes.md), which is why "random" exists.
std::vector<std::vector<uint32_t>> PlanEpoch(const std::vector<std::vector<Interaction>>& seqs,
                                             int64_t batch_size, bool by_length, std::mt19937_64& rng) {
  std::vector<uint32_t> users;
  for (uint32_t u = 0; u < seqs.size(); ++u)
    if (seqs[u].size() >= 2) users.push_back(u);
  std::shuffle(users.begin(), users.end(), rng);
  const size_t chunk = static_cast<size_t>(batch_size) * 64;
  for (size_t i = 0; by_length && i < users.size(); i += chunk) {
    auto end = users.begin() + std::min(users.size(), i + chunk);
    std::stable_sort(users.begin() + i, end,
                     [&](uint32_t a, uint32_t b) { return seqs[a].size() < seqs[b].size(); });
  }
  std::vector<std::vector<uint32_t>> batches;
  for (size_t i = 0; i < users.size(); i += batch_size)
    batches.emplace_back(users.begin() + i, users.begin() + std::min(users.size(), i + batch_size));
  std::shuffle(batches.begin(), batches.end(), rng);
  return batches;
}

torch::Tensor Loss(SasRec& model, const Batch& batch, const TrainConfig& config) {
  auto hidden = model->Encode(batch.items, batch.types);
  auto mask = batch.targets > 0;
  auto h = model->OutputQuery(hidden.index({mask}));  // [N, d]
  if (config.temperature != 1.0) h = h / config.temperature;
  auto target = batch.targets.index({mask});  // [N]
  const auto table = model->OutputTable();    // [I + 1, d]
  const int64_t num_items = model->config.num_items;
  namespace F = torch::nn::functional;
  if (config.loss == "ce") {
    if (h.is_cpu()) return FullSoftmaxLoss(h, table, target, config.threads);
    // The fused loss is a CPU kernel; on a GPU libtorch's own ops are fast.
    // Row 0 of the table is padding, not a class.
    return F::cross_entropy(torch::matmul(h, table.narrow(0, 1, num_items).t()), target - 1);
  }
  if (config.loss == "bce") {
    auto neg = torch::randint(1, num_items + 1, target.sizes(), target.options());
    auto pos_logit = (h * table.index_select(0, target)).sum(-1);
    auto neg_logit = (h * table.index_select(0, neg)).sum(-1);
    return F::binary_cross_entropy_with_logits(pos_logit, torch::ones_like(pos_logit)) +
           F::binary_cross_entropy_with_logits(neg_logit, torch::zeros_like(neg_logit));
  }
  // Sampled softmax: uniform negatives shared by the batch; a negative that
  // happens to be the target is masked so it is not pushed down.
  auto neg = torch::randint(1, num_items + 1, {config.negatives}, target.options());
  auto pos_logit = (h * table.index_select(0, target)).sum(-1, true);
  auto neg_logit = torch::matmul(h, table.index_select(0, neg).t());
  neg_logit = neg_logit.masked_fill(target.unsqueeze(1) == neg.unsqueeze(0),
                                    -std::numeric_limits<float>::infinity());
  auto logits = torch::cat({pos_logit, neg_logit}, 1);
  return F::cross_entropy(logits, torch::zeros_like(target));
}

std::unique_ptr<torch::optim::Optimizer> MakeOptimizer(SasRec& model, const TrainConfig& c) {
  if (c.optimizer == "adamw")
    return std::make_unique<torch::optim::AdamW>(
        model->parameters(), torch::optim::AdamWOptions(c.lr).betas({0.9, c.adam_beta2}).weight_decay(c.weight_decay));
  return std::make_unique<torch::optim::Adam>(
      model->parameters(), torch::optim::AdamOptions(c.lr).betas({0.9, c.adam_beta2}).weight_decay(c.weight_decay));
}

// Checkpoint: model and optimizer state plus the loop's counters, written
// to temporary names and renamed so a crash never leaves a half checkpoint.
struct LoopState {
  int64_t epoch = 0, best_epoch = 0, evals_without_gain = 0;
  double best_ndcg10 = -1, elapsed = 0, elapsed_to_best = 0, train_only = 0;
};

void SaveCheckpoint(const std::string& dir, SasRec& model, torch::optim::Optimizer& opt,
                    const LoopState& s, const TensorMap& best_weights) {
  fs::create_directories(dir);
  torch::save(model, dir + "/model.pt.tmp");
  torch::save(opt, dir + "/optimizer.pt.tmp");
  {
    SasRec best(model->config);
    best->ImportWeights(best_weights);
    torch::save(best, dir + "/best.pt.tmp");
  }
  nlohmann::json j = {{"epoch", s.epoch},
                      {"best_epoch", s.best_epoch},
                      {"evals_without_gain", s.evals_without_gain},
                      {"best_ndcg10", s.best_ndcg10},
                      {"elapsed", s.elapsed},
                      {"elapsed_to_best", s.elapsed_to_best},
                      {"train_only", s.train_only}};
  std::ofstream(dir + "/state.json.tmp") << j.dump(2);
  for (const char* name : {"model.pt", "optimizer.pt", "best.pt", "state.json"})
    fs::rename(dir + "/" + name + ".tmp", dir + "/" + name);
}

Status LoadCheckpoint(const std::string& dir, torch::Device device, SasRec& model, torch::optim::Optimizer& opt,
                      LoopState* s, TensorMap* best_weights) {
  std::ifstream in(dir + "/state.json");
  if (!in) return Status::NotFound("checkpoint: " + dir + "/state.json is missing");
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    s->epoch = j.at("epoch");
    s->best_epoch = j.at("best_epoch");
    s->evals_without_gain = j.at("evals_without_gain");
    s->best_ndcg10 = j.at("best_ndcg10");
    s->elapsed = j.at("elapsed");
    s->elapsed_to_best = j.at("elapsed_to_best");
    s->train_only = j.at("train_only");
    torch::load(model, dir + "/model.pt", device);
    torch::load(opt, dir + "/optimizer.pt", device);
    SasRec best(model->config);
    torch::load(best, dir + "/best.pt");
    *best_weights = best->ExportWeights();
  } catch (const std::exception& e) {
    return Status::Corruption("checkpoint " + dir + ": " + e.what());
  }
  return Status::Ok();
}

}  // namespace

Status TrainConfig::Validate() const {
  NBA_RETURN_IF_ERROR(CheckOneOf("loss", loss, {"ce", "bce", "sampled_softmax"}));
  NBA_RETURN_IF_ERROR(CheckOneOf("optimizer", optimizer, {"adam", "adamw"}));
  NBA_RETURN_IF_ERROR(CheckOneOf("batching", batching, {"by_length", "random"}));
  NBA_RETURN_IF_ERROR(CheckOneOf("init", init, {"torch", "normal", "normal_xavier_qkv"}));
  NBA_RETURN_IF_ERROR(CheckOneOf("device", device, {"cpu", "cuda"}));
  if (device == "cuda" && !torch::cuda::is_available())
    return Status::InvalidArgument(
        "train: device cuda is not available: this libtorch has no CUDA support or sees no GPU");
  if (!(temperature > 0)) return Status::InvalidArgument("train: temperature must be positive");
  if (!(adam_beta2 > 0 && adam_beta2 < 1))
    return Status::InvalidArgument("train: adam_beta2 must be in (0, 1)");
  if (batch_size < 1 || epochs < 1 || patience < 1 || eval_every < 1)
    return Status::InvalidArgument("train: batch_size, epochs, patience and eval_every must be positive");
  return Status::Ok();
}

Status Train(const Split& split, const TrainConfig& config, SasRec model,
             const std::function<void(const EpochLog&)>& on_epoch, TrainResult* result) {
  NBA_RETURN_IF_ERROR(config.Validate());
  const torch::Device device = config.device == "cuda" ? torch::kCUDA : torch::kCPU;
  if (!config.early_stopping && !config.checkpoint_dir.empty())
    return Status::InvalidArgument("train: a fit without early stopping keeps no checkpoints");
  if (config.early_stopping && split.valid.empty())
    return Status::InvalidArgument("train: no validation cases (users need 3+ events)");
  // OpenBLAS keeps its own thread pool beside libtorch's; left at its default
  // it spins on every core and slows each product when cores are busy. The
  // loss makes its own threads, each calling single-threaded BLAS.
  torch::set_num_threads(std::max(1, config.torch_threads));
  openblas_set_num_threads(1);

  std::vector<EvalCase> valid = split.valid;
  if (config.max_valid_cases > 0 && valid.size() > static_cast<size_t>(config.max_valid_cases)) {
    std::mt19937_64 pick(config.seed);
    std::shuffle(valid.begin(), valid.end(), pick);
    valid.resize(config.max_valid_cases);
  }
  // Metrics are sums over cases, so their order is free: sorted by history
  // length, each scoring batch pads to similar lengths (as PlanEpoch does).
  std::stable_sort(valid.begin(), valid.end(),
                   [](const EvalCase& a, const EvalCase& b) { return a.history.size() < b.history.size(); });
  EvalOptions eval_options;
  eval_options.full = true;
  eval_options.sampled = false;
  eval_options.num_threads = static_cast<size_t>(std::max(1, config.threads));

  if (config.init != "torch") model->InitLinearNormal(0.02);
  if (config.init == "normal_xavier_qkv") model->InitQkvXavier();
  model->to(device);
  auto optimizer = MakeOptimizer(model, config);
  LoopState s;
  TensorMap best_weights = model->ExportWeights();
  if (config.resume) {
    if (config.checkpoint_dir.empty()) return Status::InvalidArgument("train: --resume needs a checkpoint dir");
    NBA_RETURN_IF_ERROR(LoadCheckpoint(config.checkpoint_dir, device, model, *optimizer, &s, &best_weights));
  }

  const auto run_start = Clock::now() - std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(s.elapsed));
  while (s.epoch < config.epochs && s.evals_without_gain < config.patience) {
    ++s.epoch;
    // Per-epoch seeds make a resumed run take the same path as an unbroken one.
    std::mt19937_64 rng(config.seed * 1000003 + s.epoch);
    torch::manual_seed(config.seed * 1000003 + s.epoch);
    model->train();
    const auto epoch_start = Clock::now();
    double loss_sum = 0;
    int64_t steps = 0;
    for (const auto& users : PlanEpoch(split.train, config.batch_size, config.batching == "by_length", rng)) {
      Batch batch = MakeBatch(split.train, users, model->config.max_len, device);
      optimizer->zero_grad();
      auto loss = Loss(model, batch, config);
      loss.backward();
      optimizer->step();
      loss_sum += loss.item<double>();
      ++steps;
    }
    const double train_seconds = SecondsSince(epoch_start);
    s.train_only += train_seconds;

    EpochLog log;
    log.epoch = s.epoch;
    log.epochs = config.epochs;
    log.loss = steps ? loss_sum / steps : 0;
    if (!config.early_stopping) {
      s.best_epoch = s.epoch;
      s.elapsed_to_best = SecondsSince(run_start);
    } else if (s.epoch % config.eval_every == 0 || s.epoch == config.epochs) {
      TorchScorer scorer(model);
      EvalResult r;
      NBA_RETURN_IF_ERROR(Evaluate(scorer, valid, eval_options, &r));
      log.evaluated = true;
      log.valid_ndcg10 = r.full.Ndcg(10);
      log.valid_hr10 = r.full.HitRate(10);
      if (log.valid_ndcg10 > s.best_ndcg10) {
        s.best_ndcg10 = log.valid_ndcg10;
        s.best_epoch = s.epoch;
        s.evals_without_gain = 0;
        best_weights = model->ExportWeights();
        s.elapsed_to_best = SecondsSince(run_start);
      } else {
        ++s.evals_without_gain;
      }
    }
    s.elapsed = SecondsSince(run_start);
    log.seconds = SecondsSince(epoch_start);
    log.eta_seconds = (s.elapsed / s.epoch) * (config.epochs - s.epoch);
    log.best_ndcg10 = s.best_ndcg10;
    log.best_epoch = s.best_epoch;
    if (!config.checkpoint_dir.empty()) SaveCheckpoint(config.checkpoint_dir, model, *optimizer, s, best_weights);
    if (on_epoch) on_epoch(log);
  }

  if (config.early_stopping) NBA_RETURN_IF_ERROR(model->ImportWeights(best_weights));
  result->epochs_run = s.epoch;
  result->best_epoch = s.best_epoch;
  result->best_valid_ndcg10 = s.best_ndcg10;
  result->train_seconds = s.elapsed;
  result->seconds_to_best = s.elapsed_to_best;
  result->seconds_per_epoch = s.epoch ? s.train_only / s.epoch : 0;
  return Status::Ok();
}

}  // namespace nba

// nba train: import a dataset, fit SASRec, evaluate on the held-out test
// split beside a popularity baseline, and register the model artefact.
#include <sys/resource.h>

#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "cli/dataset_flags.h"
#include "cli/metrics_table.h"
#include "eval/evaluator.h"
#include "eval/popularity.h"
#include "model/torch_scorer.h"
#include "model/trainer.h"
#include "registry/artefact.h"
#include "registry/registry.h"
#include "registry/sha256.h"

namespace nba::cli {

namespace {

struct TrainFlags {
  DatasetFlags data;
  ModelConfig model;
  TrainConfig train;
  std::string registry = ".nba/registry";
  std::string out_dir;
  std::string metrics_json;
  bool no_register = false;
  bool promote = false;
};

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

void Run(TrainFlags& f) {
  Dataset data;
  CheckOk(f.data.Load(&data));
  Split split;
  CheckOk(f.data.MakeSplit(data, &split));

  f.model.num_items = static_cast<int64_t>(data.num_items());
  CheckOk(f.model.Validate());
  SasRec model(f.model);
  std::fprintf(stderr, "training SASRec (%s, %s loss) on %zu users, %zu items; %zu validation cases\n",
               f.model.layout.c_str(), f.train.loss.c_str(), data.num_users(), data.num_items(),
               split.valid.size());
  TrainResult result;
  CheckOk(Train(split, f.train, model, [](const EpochLog& log) {
    std::fprintf(stderr, "epoch %3lld/%lld  loss %.4f  %.1fs  eta %.0fs", static_cast<long long>(log.epoch),
                 static_cast<long long>(log.epochs), log.loss, log.seconds, log.eta_seconds);
    if (log.evaluated)
      std::fprintf(stderr, "  valid ndcg@10 %.4f hr@10 %.4f  best %.4f @%lld", log.valid_ndcg10,
                   log.valid_hr10, log.best_ndcg10, static_cast<long long>(log.best_epoch));
    std::fprintf(stderr, "\n");
  }, &result));

  // The test split is looked at once, here, after training chose its weights.
  EvalOptions opts;
  opts.full = opts.sampled = true;
  TorchScorer scorer(model);
  EvalResult test;
  CheckOk(Evaluate(scorer, split.test, opts, &test));
  std::unique_ptr<PopularityScorer> popularity;
  CheckOk(PopularityScorer::Build(data.num_items(), split.train, &popularity));
  EvalResult pop;
  CheckOk(Evaluate(*popularity, split.test, opts, &pop));

  PrintMetricsTable(f.data.Describe() + " — test split, " + std::to_string(split.test.size()) +
                        " cases, seen items excluded from full ranking",
                    test, pop);
  std::printf("\nbest epoch %lld of %lld; %.1f s/epoch; %.0f s to best; %.0f s total; peak RSS %.0f MiB\n",
              static_cast<long long>(result.best_epoch), static_cast<long long>(result.epochs_run),
              result.seconds_per_epoch, result.seconds_to_best, result.train_seconds, PeakRssMiB());

  nlohmann::json metrics = {
      {"dataset", f.data.Describe()},
      {"valid_ndcg@10", result.best_valid_ndcg10},
      {"test", test.ToJson()},
      {"popularity", pop.ToJson()},
      {"train", {{"epochs", result.epochs_run},
                 {"best_epoch", result.best_epoch},
                 {"seconds", result.train_seconds},
                 {"seconds_to_best", result.seconds_to_best},
                 {"seconds_per_epoch", result.seconds_per_epoch},
                 {"peak_rss_mib", PeakRssMiB()},
                 {"config", f.train.ToJson()}}}};
  if (!f.metrics_json.empty()) {
    std::ofstream out(f.metrics_json);
    out << nlohmann::json{{"metrics", metrics}, {"model", f.model.ToJson()}}.dump(2) << "\n";
    if (!out) CheckOk(Status::IOError(f.metrics_json + ": cannot write"));
  }

  Artefact artefact;
  artefact.config = f.model.ToJson();
  artefact.weights = model->ExportWeights();
  artefact.items = data.items;
  artefact.metrics = metrics;
  std::string sha;
  CheckOk(Sha256File(f.data.path, &sha));
  artefact.data = DataFingerprint(sha, data);
  if (!f.out_dir.empty()) {
    CheckOk(SaveArtefact(f.out_dir, artefact));
    std::printf("model written to %s\n", f.out_dir.c_str());
  }
  if (!f.no_register) {
    std::unique_ptr<ModelRegistry> registry;
    CheckOk(ModelRegistry::Open(f.registry, &registry));
    std::string version;
    CheckOk(registry->Register(artefact, &version));
    if (f.promote) CheckOk(registry->Promote(version));
    std::printf("registered as version %s in %s%s\n", version.c_str(), f.registry.c_str(),
                f.promote ? " (promoted to production)" : "");
  }
}

}  // namespace

void AddTrainCommand(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  if (const char* env = std::getenv("NBA_REGISTRY")) f->registry = env;
  CLI::App* cmd = app.add_subcommand("train", "Train SASRec on a dataset and register the model");
  f->data.Register(cmd);
  ModelConfig& m = f->model;
  cmd->add_option("--max-len", m.max_len, "Events of history the model sees")->capture_default_str();
  cmd->add_option("--hidden", m.hidden, "Embedding and hidden size")->capture_default_str();
  cmd->add_option("--heads", m.heads, "Attention heads")->capture_default_str();
  cmd->add_option("--blocks", m.blocks, "Transformer blocks")->capture_default_str();
  cmd->add_option("--ffn-dim", m.ffn_dim, "Feed-forward inner size")->capture_default_str();
  cmd->add_option("--activation", m.activation, "relu|gelu")->capture_default_str();
  cmd->add_option("--layout", m.layout, "pre_ln|original")->capture_default_str();
  cmd->add_option("--event-types", m.event_types, "Event-type embedding on/off (true|false)")->capture_default_str();
  cmd->add_option("--dropout", m.dropout, "Dropout rate")->capture_default_str();
  TrainConfig& t = f->train;
  cmd->add_option("--loss", t.loss, "ce|bce|sampled_softmax")->capture_default_str();
  cmd->add_option("--negatives", t.negatives, "Negatives for sampled_softmax")->capture_default_str();
  cmd->add_option("--optimizer", t.optimizer, "adam|adamw")->capture_default_str();
  cmd->add_option("--lr", t.lr, "Learning rate")->capture_default_str();
  cmd->add_option("--weight-decay", t.weight_decay, "Weight decay")->capture_default_str();
  cmd->add_option("--batch-size", t.batch_size, "Sequences per step")->capture_default_str();
  cmd->add_option("--epochs", t.epochs, "Maximum epochs")->capture_default_str();
  cmd->add_option("--patience", t.patience, "Evaluations without gain before stopping")->capture_default_str();
  cmd->add_option("--eval-every", t.eval_every, "Epochs between validations")->capture_default_str();
  cmd->add_option("--max-valid-cases", t.max_valid_cases, "Validate on a sample (0: all)")->capture_default_str();
  cmd->add_option("--seed", t.seed, "Random seed")->capture_default_str();
  cmd->add_option("--threads", t.threads, "libtorch threads")->capture_default_str();
  cmd->add_option("--checkpoint-dir", t.checkpoint_dir, "Write a checkpoint after every epoch");
  cmd->add_flag("--resume", t.resume, "Continue from --checkpoint-dir");
  cmd->add_option("--registry", f->registry, "Model registry folder (env NBA_REGISTRY)")->capture_default_str();
  cmd->add_flag("--no-register", f->no_register, "Do not add the model to the registry");
  cmd->add_flag("--promote", f->promote, "Make the new version the production model");
  cmd->add_option("--out", f->out_dir, "Also write the artefact to this new directory");
  cmd->add_option("--metrics-json", f->metrics_json, "Write metrics and config as JSON");
  cmd->callback([f] { Run(*f); });
}

}  // namespace nba::cli

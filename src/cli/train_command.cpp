// nba train: import a dataset, fit SASRec, evaluate on the held-out test
// split beside a popularity baseline, and register the model artefact.
#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "cli/dataset_flags.h"
#include "cli/training_run.h"
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

void Run(TrainFlags& f) {
  CheckOk(f.train.Validate());  // before minutes of loading data
  Dataset data;
  CheckOk(f.data.Load(&data));
  Split split;
  CheckOk(f.data.MakeSplit(data, &split));
  TrainingRun run{f.model, f.train, f.data.Describe(), ""};
  CheckOk(Sha256File(f.data.path, &run.data_sha256));
  Artefact artefact;
  CheckOk(RunTraining(data, split, &run, &artefact));
  if (!f.metrics_json.empty()) {
    std::ofstream out(f.metrics_json);
    out << nlohmann::json{{"metrics", artefact.metrics}, {"model", artefact.config}}.dump(2) << "\n";
    if (!out) CheckOk(Status::IOError(f.metrics_json + ": cannot write"));
  }
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
  cmd->add_option("--positions", m.positions, "from_start (cacheable) | from_end (the paper's)")->capture_default_str();
  cmd->add_option("--event-types", m.event_types, "Event-type embedding on/off (true|false)")->capture_default_str();
  cmd->add_option("--dropout", m.dropout, "Dropout rate")->capture_default_str();
  cmd->add_option("--attn-output-dropout", m.attn_output_dropout,
                  "Dropout on the attention output projection too (true|false)")->capture_default_str();
  cmd->add_option("--similarity", m.similarity, "dot|cosine (hidden state and items L2-normalised)")->capture_default_str();
  TrainConfig& t = f->train;
  cmd->add_option("--loss", t.loss, "ce|bce|sampled_softmax")->capture_default_str();
  cmd->add_option("--negatives", t.negatives, "Negatives for sampled_softmax")->capture_default_str();
  cmd->add_option("--temperature", t.temperature, "Logits are divided by it (use < 1 with cosine)")->capture_default_str();
  cmd->add_option("--optimizer", t.optimizer, "adam|adamw")->capture_default_str();
  cmd->add_option("--lr", t.lr, "Learning rate")->capture_default_str();
  cmd->add_option("--adam-beta2", t.adam_beta2, "Adam's second-moment decay")->capture_default_str();
  cmd->add_option("--init", t.init, "torch|normal (linear layers from N(0, 0.02))|normal_xavier_qkv (q, k, v Xavier)")->capture_default_str();
  cmd->add_option("--batching", t.batching, "by_length (faster)|random")->capture_default_str();
  cmd->add_option("--weight-decay", t.weight_decay, "Weight decay")->capture_default_str();
  cmd->add_option("--batch-size", t.batch_size, "Sequences per step")->capture_default_str();
  cmd->add_option("--epochs", t.epochs, "Maximum epochs")->capture_default_str();
  cmd->add_option("--patience", t.patience, "Evaluations without gain before stopping")->capture_default_str();
  cmd->add_option("--eval-every", t.eval_every, "Epochs between validations")->capture_default_str();
  cmd->add_option("--max-valid-cases", t.max_valid_cases, "Validate on a sample (0: all)")->capture_default_str();
  cmd->add_option("--seed", t.seed, "Random seed")->capture_default_str();
  cmd->add_flag("--refit", t.refit,
                "After early stopping, train a fresh model on training + validation events for the best epoch count");
  cmd->add_option("--threads", t.threads, "Threads of the full-softmax output layer")->capture_default_str();
  cmd->add_option("--torch-threads", t.torch_threads, "libtorch intra-op threads")->capture_default_str();
  cmd->add_option("--device", t.device, "cpu|cuda (needs a CUDA build of libtorch)")->capture_default_str();
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

// nba eval: measure a registered (or any) model on a dataset's test split
// with both protocols, beside the popularity baseline.
#include <cstdio>

#include "cli/commands.h"
#include "cli/dataset_flags.h"
#include "cli/metrics_table.h"
#include "eval/evaluator.h"
#include "eval/popularity.h"
#include "model/torch_scorer.h"
#include "registry/artefact.h"
#include "registry/registry.h"

namespace nba::cli {

namespace {

struct EvalFlags {
  DatasetFlags data;
  std::string model_dir;
  std::string version;  // empty: the production version
  std::string registry = ".nba/registry";
  bool include_seen = false;
  uint64_t seed = 42;
  std::string json_out;
};

void Run(EvalFlags& f) {
  Artefact artefact;
  if (!f.model_dir.empty()) {
    CheckOk(LoadArtefact(f.model_dir, &artefact));
  } else {
    std::unique_ptr<ModelRegistry> registry;
    CheckOk(ModelRegistry::Open(f.registry, &registry, /*create_if_missing=*/false));
    if (f.version.empty()) CheckOk(registry->Production(&f.version));
    CheckOk(registry->Load(f.version, &artefact));
  }
  ModelConfig config;
  CheckOk(ModelConfig::FromJson(artefact.config, &config));
  SasRec model(config);
  CheckOk(model->ImportWeights(artefact.weights));

  Dataset data;
  CheckOk(f.data.Load(&data));
  size_t dropped = 0;
  MapToVocabulary(artefact.items, &data, &dropped);
  if (dropped > 0) std::fprintf(stderr, "%zu events of items unknown to the model were left out\n", dropped);
  Split split;
  CheckOk(f.data.MakeSplit(data, &split));

  EvalOptions opts;
  opts.full = opts.sampled = true;
  opts.include_seen = f.include_seen;
  opts.seed = f.seed;
  TorchScorer scorer(model);
  EvalResult result, pop;
  CheckOk(EvaluateBesidePopularity(scorer, split, opts, &result, &pop));
  PrintMetricsTable(f.data.Describe() + " — test split, " + std::to_string(split.test.size()) + " cases, seen items " +
                        (f.include_seen ? "included" : "excluded"),
                    result, pop);
  if (!f.json_out.empty()) {
    std::FILE* out = std::fopen(f.json_out.c_str(), "w");
    if (!out) CheckOk(Status::IOError(f.json_out + ": cannot write"));
    std::fprintf(out, "%s\n", nlohmann::json{{"model", result.ToJson()}, {"popularity", pop.ToJson()}}.dump(2).c_str());
    std::fclose(out);
  }
}

}  // namespace

void AddEvalCommand(CLI::App& app) {
  auto f = std::make_shared<EvalFlags>();
  if (const char* env = std::getenv("NBA_REGISTRY")) f->registry = env;
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a model on a dataset's test split");
  f->data.Register(cmd);
  auto* dir = cmd->add_option("--model", f->model_dir, "Model artefact directory");
  cmd->add_option("--version", f->version, "Registry version (default: production)")->excludes(dir);
  cmd->add_option("--registry", f->registry, "Model registry folder (env NBA_REGISTRY)")->capture_default_str();
  cmd->add_flag("--include-seen", f->include_seen, "Keep the user's history items in full ranking");
  cmd->add_option("--seed", f->seed, "Seed of the sampled-negatives protocol")->capture_default_str();
  cmd->add_option("--json", f->json_out, "Write the metrics as JSON");
  cmd->callback([f] { Run(*f); });
}

}  // namespace nba::cli

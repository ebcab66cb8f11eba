// `nba models`: lists the versions in the model registry, promotes one to
// production and rolls production back.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "registry/registry.h"

namespace nba::cli {

namespace {

std::unique_ptr<ModelRegistry> OpenRegistry(const std::string& dir) {
  std::unique_ptr<ModelRegistry> registry;
  Status s = ModelRegistry::Open(dir, &registry, /*create_if_missing=*/false);
  if (!s.ok()) throw CommandFailed(s.message() + " (train a model first, or pass --registry or set NBA_REGISTRY)", 1);
  return registry;
}

void RunList(const std::string& dir) {
  auto registry = OpenRegistry(dir);
  std::vector<VersionInfo> versions;
  CheckOk(registry->List(&versions));
  if (versions.empty()) {
    std::printf("no models in %s\n", dir.c_str());
    return;
  }
  std::printf("%-8s  %-20s  %-8s  %s\n", "VERSION", "CREATED", "NDCG@10", "PRODUCTION");
  for (const VersionInfo& v : versions) {
    if (!v.status.ok()) {
      std::printf("%-8s  damaged: %s\n", v.version.c_str(), v.status.message().c_str());
      continue;
    }
    char ndcg[32] = "-";
    if (v.ndcg_at_10) std::snprintf(ndcg, sizeof(ndcg), "%.4f", *v.ndcg_at_10);
    std::printf("%-8s  %-20s  %-8s  %s\n", v.version.c_str(), v.created.c_str(), ndcg, v.production ? "*" : "");
  }
}

void RunPromote(const std::string& dir, const std::string& version) {
  auto registry = OpenRegistry(dir);
  CheckOk(registry->Promote(version));
  std::string production;
  CheckOk(registry->Production(&production));
  std::printf("production is now version %s\n", production.c_str());
}

void RunRollback(const std::string& dir) {
  auto registry = OpenRegistry(dir);
  std::string version;
  CheckOk(registry->Rollback(&version));
  std::printf("rolled back: production is now version %s\n", version.c_str());
}

}  // namespace

void AddModelsCommand(CLI::App& app) {
  // Precedence: --registry, then $NBA_REGISTRY, then .nba/registry under the current directory.
  auto dir = std::make_shared<std::string>(".nba/registry");
  if (const char* env = std::getenv("NBA_REGISTRY")) *dir = env;
  auto version = std::make_shared<std::string>();

  CLI::App* models = app.add_subcommand("models", "List, promote and roll back trained model versions");
  models->require_subcommand(1);
  auto add_registry_flag = [dir](CLI::App* cmd) {
    cmd->add_option("--registry", *dir, "Model registry folder (env NBA_REGISTRY)")->capture_default_str();
  };

  CLI::App* list = models->add_subcommand("list", "Show every version, its test NDCG@10 and which serves");
  add_registry_flag(list);
  list->callback([dir] { RunList(*dir); });

  CLI::App* promote = models->add_subcommand("promote", "Make VERSION the production model");
  promote->add_option("VERSION", *version, "Version number, e.g. 3 or 0003")->required();
  add_registry_flag(promote);
  promote->callback([dir, version] { RunPromote(*dir, *version); });

  CLI::App* rollback = models->add_subcommand("rollback", "Return production to the previously promoted version");
  add_registry_flag(rollback);
  rollback->callback([dir] { RunRollback(*dir); });
}

}  // namespace nba::cli

// nba serve: the embedded engine over HTTP (ingest, recommendations,
// catalogue, admin, health, metrics). Configuration is layered:
// defaults < YAML (--config) < NBA_* environment < flags.
#include <cstdio>

#include "cli/commands.h"
#include "engine/engine.h"

namespace nba::cli {

namespace {

struct ServeFlags {
  std::string config_path;
  std::vector<std::pair<std::string, std::string>> overrides;  // key, value, in flag order
  std::vector<std::string> sets;
};

Status BuildConfig(const ServeFlags& f, ServerConfig* config) {
  NBA_RETURN_IF_ERROR(LoadConfig(f.config_path, ProcessEnvironment(), config));
  for (const auto& [key, value] : f.overrides) NBA_RETURN_IF_ERROR(ApplyOverride(key, value, config));
  for (const std::string& kv : f.sets) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) return Status::InvalidArgument("--set " + kv + ": expected KEY=VALUE");
    NBA_RETURN_IF_ERROR(ApplyOverride(kv.substr(0, eq), kv.substr(eq + 1), config));
  }
  return ValidateConfig(*config);
}

}  // namespace

void AddServeCommand(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve ingest and recommendations over HTTP (embedded mode)");
  cmd->add_option("--config", f->config_path, "YAML configuration file (see docs/operations.md)");
  // Each shortcut flag is one config key, applied after the file and the environment.
  for (const auto& [flag, key, help] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"--address", "server.address", "Listen address"},
           {"--port", "server.port", "Listen port"},
           {"--threads", "server.threads", "io threads (0: one per core)"},
           {"--data-dir", "data_dir", "Event log, catalogue, snapshots, audit log"},
           {"--registry", "serving.registry_dir", "Model registry folder"}}) {
    cmd->add_option_function<std::string>(
        flag, [f, key = key](const std::string& v) { f->overrides.emplace_back(key, v); }, help);
  }
  cmd->add_option("--set", f->sets, "Any config key: --set serving.cache_entries=0 (repeatable)");
  cmd->callback([f] {
    ServerConfig config;
    CheckOk(BuildConfig(*f, &config));
    std::unique_ptr<Engine> engine;
    CheckOk(Engine::Open(config, &engine));
    CheckOk(engine->Serve(f->config_path));
  });
}

}  // namespace nba::cli

// nba serve: the engine over HTTP (ingest, recommendations, catalogue, admin,
// health, metrics), embedded or as a replica of the distributed mode
// (mode: distributed). Configuration: see cli/config_flags.h.
#include <cstdio>

#include "cli/commands.h"
#include "cli/config_flags.h"
#include "engine/engine.h"

namespace nba::cli {

void AddServeCommand(CLI::App& app) {
  auto f = std::make_shared<ConfigFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve ingest and recommendations over HTTP");
  AddConfigFlags(cmd, f,
                 {{"--address", "server.address", "Listen address"},
                  {"--port", "server.port", "Listen port"},
                  {"--threads", "server.threads", "io threads (0: one per core)"},
                  {"--data-dir", "data_dir", "Event log, catalogue, snapshots, audit log"},
                  {"--registry", "serving.registry_dir", "Model registry folder"},
                  {"--mode", "mode", "embedded (default) or distributed"},
                  {"--kafka", "kafka.brokers", "Kafka bootstrap servers (distributed mode)"},
                  {"--redis", "redis.address", "Redis host:port (distributed mode)"}});
  cmd->callback([f] {
    ServerConfig config;
    CheckOk(BuildConfig(*f, &config));
    std::unique_ptr<Engine> engine;
    CheckOk(Engine::Open(config, &engine));
    CheckOk(engine->Serve(f->config_path));
  });
}

}  // namespace nba::cli

// nba demo: the main job on a fresh machine, with no external service. It
// generates a synthetic shop, trains a small SASRec on it (well under two
// minutes here), registers and promotes the model, loads the catalogue and
// serves everything, with the demo shop at /demo.
#include <cstdio>
#include <filesystem>

#include "catalog/catalog.h"
#include "cli/commands.h"
#include "cli/training_run.h"
#include "data/synthetic.h"
#include "engine/engine.h"
#include "registry/registry.h"
#include "registry/sha256.h"
#include "web/demo_key.h"

namespace nba::cli {

namespace {

struct DemoFlags {
  std::string dir = ".nba/demo";
  int port = 8080;
  int users = 2000;
  int items = 500;
  int64_t epochs = 15;
  uint64_t seed = 1;
  bool no_serve = false;
};

Item ToCatalogItem(const CatalogItem& c) {
  Item item;
  item.id = c.id;
  item.category = c.category;
  item.price = c.price;
  item.currency = c.currency;
  item.stock = c.stock;
  item.in_stock = c.stock != 0;
  item.min_age = c.min_age;
  item.active = c.active;
  return item;
}

// Sends the shop's history through the engine's own routes (validation, event
// log, feature store, trending), as the shop's site would have, so that its
// users have histories and the fallback has popularity.
Status ReplayShop(const SyntheticShop& shop, const std::string& admin_key, HttpService* service) {
  auto send = [&](const char* method, const std::string& target, const std::string& body) {
    Request req;
    req.method = method;
    req.target = target;
    req.body = body;
    req.headers = {{"X-API-Key", admin_key}, {"Content-Type", "application/json"}};
    req.remote_address = "127.0.0.1:0";
    return service->Handle(req);
  };
  for (size_t u = 0; u < shop.users.size(); ++u) {
    const ShopUser& user = shop.users[u];
    nlohmann::json profile = {{"age", user.age}, {"country", user.country}, {"consent", true}};
    Response r = send("PUT", "/v1/users/" + user.id, profile.dump());
    if (r.status != 200) return Status::Corruption("demo: profile of " + user.id + " refused: " + r.body);
    nlohmann::json batch = nlohmann::json::array();
    for (const Interaction& e : shop.events.sequences[u])
      batch.push_back({{"user_id", user.id},
                       {"item_id", shop.events.items.External(e.item)},
                       {"event_type", EventTypeName(e.type)},
                       {"timestamp", e.ts}});
    if (batch.empty()) continue;
    r = send("POST", "/v1/events", batch.dump());
    if (r.status != 200) return Status::Corruption("demo: events of " + user.id + " refused: " + r.body);
  }
  return Status::Ok();
}

void Run(const DemoFlags& f) {
  namespace fs = std::filesystem;
  // Each demo starts afresh; refuse to wipe a folder that is not a demo's.
  if (fs::exists(f.dir) && !fs::is_empty(f.dir) && !fs::exists(fs::path(f.dir) / "shop"))
    throw CommandFailed("demo: " + f.dir + " exists and is not a demo folder; choose another --dir", 1);
  fs::remove_all(f.dir);
  ShopOptions shop_options;
  shop_options.users = f.users;
  shop_options.items = f.items;
  shop_options.seed = f.seed;
  SyntheticShop shop;
  CheckOk(GenerateShop(shop_options, &shop));
  const std::string shop_dir = f.dir + "/shop";
  CheckOk(WriteShop(shop, shop_dir));
  std::printf("generated a shop of %zu items, %zu users and %zu events in %s\n", shop.items.size(),
              shop.users.size(), shop.events.num_events(), shop_dir.c_str());
  std::fflush(stdout);

  TrainingRun run;
  run.model.hidden = 32;
  run.model.ffn_dim = 32;
  run.model.max_len = 50;
  run.train.epochs = f.epochs;
  run.train.patience = 3;
  run.train.lr = 3e-3;
  run.data_description = "synthetic shop (seed " + std::to_string(f.seed) + ")";
  CheckOk(Sha256File(shop_dir + "/events.tsv", &run.data_sha256));
  Artefact artefact;
  CheckOk(RunTraining(shop.events, LeaveOneOut(shop.events), &run, &artefact));

  const std::string registry_dir = f.dir + "/registry";
  std::unique_ptr<ModelRegistry> registry;
  CheckOk(ModelRegistry::Open(registry_dir, &registry));
  std::string version;
  CheckOk(registry->Register(artefact, &version));
  CheckOk(registry->Promote(version));
  std::printf("model version %s promoted in %s\n", version.c_str(), registry_dir.c_str());
  if (f.no_serve) return;

  std::string admin_key;
  CheckOk(NewApiKey(&admin_key));
  ServerConfig config;
  config.port = f.port;
  config.address = "127.0.0.1";
  config.data_dir = f.dir + "/data";
  config.serving.registry_dir = registry_dir;
  config.access_log = "off";
  config.api_keys = {{"demo-admin", Sha256Hex(admin_key), {"ingest", "recommend", "admin"}}};
  // The demo page's own key (ingest and recommend only), which the engine
  // adds when features.demo is on; read here to print it.
  config.features["demo"] = true;
  std::string shop_key;
  fs::create_directories(config.data_dir);
  CheckOk(LoadOrCreateDemoKey(config.data_dir + "/demo.key", &shop_key));
  std::unique_ptr<Engine> engine;
  CheckOk(Engine::Open(config, &engine));
  std::vector<Item> items;
  for (const CatalogItem& c : shop.items) items.push_back(ToCatalogItem(c));
  CheckOk(engine->catalog().Put(items));

  CheckOk(engine->Serve("", [&] {
    std::printf("replaying the shop's history into the engine...\n");
    std::fflush(stdout);
    NBA_RETURN_IF_ERROR(ReplayShop(shop, admin_key, &engine->service()));
    std::printf("\nserving on http://127.0.0.1:%d\n  demo shop:   http://127.0.0.1:%d/demo\n", f.port, f.port);
  std::printf("  shop key:    %s   (ingest, recommend)\n  admin key:   %s   (all scopes)\n", shop_key.c_str(),
              admin_key.c_str());
  std::printf("  try:         curl -H 'X-API-Key: %s' 'http://127.0.0.1:%d/v1/recommendations?user_id=%s&k=5'\n",
              shop_key.c_str(), f.port, shop.users.front().id.c_str());
    std::printf("Ctrl-C stops it.\n");
    std::fflush(stdout);
    return Status::Ok();
  }));
}

}  // namespace

void AddDemoCommand(CLI::App& app) {
  auto f = std::make_shared<DemoFlags>();
  CLI::App* cmd = app.add_subcommand("demo", "Synthetic shop, quick model, and the engine serving it at /demo");
  cmd->add_option("--dir", f->dir, "Where the shop, registry and data go")->capture_default_str();
  cmd->add_option("--port", f->port, "HTTP port")->capture_default_str();
  cmd->add_option("--users", f->users, "Synthetic users")->capture_default_str();
  cmd->add_option("--items", f->items, "Synthetic items")->capture_default_str();
  cmd->add_option("--epochs", f->epochs, "Training epochs at most")->capture_default_str();
  cmd->add_option("--seed", f->seed, "Shop seed")->capture_default_str();
  cmd->add_flag("--no-serve", f->no_serve, "Stop after training and registering the model");
  cmd->callback([f] { Run(*f); });
}

}  // namespace nba::cli

// nba demo: the main job on a fresh machine, with no external service. It
// generates a synthetic shop, trains a small SASRec on it (well under two
// minutes here), registers and promotes the model, loads the catalogue and
// serves everything, with the demo shop at /demo.
#include <openssl/rand.h>

#include <cstdio>
#include <filesystem>

#include "catalog/catalog.h"
#include "cli/commands.h"
#include "cli/training_run.h"
#include "data/synthetic.h"
#include "engine/engine.h"
#include "registry/registry.h"
#include "registry/sha256.h"

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

std::string RandomKey() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw CommandFailed("demo: no randomness for an API key", 1);
  static const char kHex[] = "0123456789abcdef";
  std::string key = "demo-";
  for (unsigned char b : bytes) {
    key.push_back(kHex[b >> 4]);
    key.push_back(kHex[b & 15]);
  }
  return key;
}

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

void Run(const DemoFlags& f) {
  namespace fs = std::filesystem;
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

  const std::string shop_key = RandomKey(), admin_key = RandomKey();
  ServerConfig config;
  config.port = f.port;
  config.address = "127.0.0.1";
  config.data_dir = f.dir + "/data";
  config.serving.registry_dir = registry_dir;
  config.access_log = "off";
  config.api_keys = {{"demo-shop", Sha256Hex(shop_key), {"ingest", "recommend"}},
                     {"demo-admin", Sha256Hex(admin_key), {"ingest", "recommend", "admin"}}};
  std::unique_ptr<Engine> engine;
  CheckOk(Engine::Open(config, &engine));
  std::vector<Item> items;
  for (const CatalogItem& c : shop.items) items.push_back(ToCatalogItem(c));
  CheckOk(engine->catalog().Put(items));

  std::printf("\nserving on http://127.0.0.1:%d\n  demo shop:   http://127.0.0.1:%d/demo\n", f.port, f.port);
  std::printf("  shop key:    %s   (ingest, recommend)\n  admin key:   %s   (all scopes)\n", shop_key.c_str(),
              admin_key.c_str());
  std::printf("  try:         curl -H 'X-API-Key: %s' 'http://127.0.0.1:%d/v1/recommendations?user_id=%s&k=5'\n",
              shop_key.c_str(), f.port, shop.users.front().id.c_str());
  std::printf("Ctrl-C stops it.\n");
  std::fflush(stdout);
  CheckOk(engine->Serve(""));
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

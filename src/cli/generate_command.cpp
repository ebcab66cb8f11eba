// `nba generate`: writes a synthetic shop (catalogue, users, events) to a directory.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "data/synthetic.h"

namespace nba::cli {

void AddGenerateCommand(CLI::App& app) {
  auto opts = std::make_shared<ShopOptions>();
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("generate", "Generate a synthetic shop: items.jsonl, users.jsonl, events.tsv");
  cmd->add_option("--out", *dir, "Output directory (created when missing)")->required();
  cmd->add_option("--users", opts->users, "Number of users")->capture_default_str();
  cmd->add_option("--items", opts->items, "Number of catalogue items")->capture_default_str();
  cmd->add_option("--seed", opts->seed, "Random seed; the same seed gives the same shop")->capture_default_str();
  cmd->callback([opts, dir] {
    SyntheticShop shop;
    CheckOk(GenerateShop(*opts, &shop));
    CheckOk(WriteShop(shop, *dir));
    std::printf("wrote %zu users, %zu items, %zu events to %s\n", shop.users.size(), shop.items.size(),
                shop.events.num_events(), dir->c_str());
  });
}

}  // namespace nba::cli

// The configuration flags shared by the long-running subcommands (serve,
// consume): --config FILE, shortcut flags that each set one key, and --set
// KEY=VALUE, layered as defaults < YAML < NBA_* environment < flags.
#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/status.h"
#include "server/config.h"

namespace nba::cli {

struct ConfigFlags {
  std::string config_path;
  std::vector<std::pair<std::string, std::string>> overrides;  // key, value, in flag order
  std::vector<std::string> sets;
};

// flag, config key, help
using ShortcutFlag = std::tuple<std::string, std::string, std::string>;

void AddConfigFlags(CLI::App* cmd, const std::shared_ptr<ConfigFlags>& flags,
                    const std::vector<ShortcutFlag>& shortcuts);

// Loads the file and the environment, applies the flags, validates.
Status BuildConfig(const ConfigFlags& flags, ServerConfig* config);

}  // namespace nba::cli

#include "cli/config_flags.h"

namespace nba::cli {

void AddConfigFlags(CLI::App* cmd, const std::shared_ptr<ConfigFlags>& flags,
                    const std::vector<ShortcutFlag>& shortcuts) {
  cmd->add_option("--config", flags->config_path, "YAML configuration file (see docs/operations.md)");
  for (const auto& [flag, key, help] : shortcuts) {
    cmd->add_option_function<std::string>(
        flag, [flags, key = key](const std::string& v) { flags->overrides.emplace_back(key, v); }, help);
  }
  cmd->add_option("--set", flags->sets, "Any config key: --set serving.cache_entries=0 (repeatable)");
}

Status BuildConfig(const ConfigFlags& f, ServerConfig* config) {
  NBA_RETURN_IF_ERROR(LoadConfig(f.config_path, ProcessEnvironment(), config));
  for (const auto& [key, value] : f.overrides) NBA_RETURN_IF_ERROR(ApplyOverride(key, value, config));
  for (const std::string& kv : f.sets) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) return Status::InvalidArgument("--set " + kv + ": expected KEY=VALUE");
    NBA_RETURN_IF_ERROR(ApplyOverride(kv.substr(0, eq), kv.substr(eq + 1), config));
  }
  return ValidateConfig(*config);
}

}  // namespace nba::cli

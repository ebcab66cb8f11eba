#include "server/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "data/dataset.h"

#include "server/http_message.h"

extern char** environ;

namespace nba {

bool ServerConfig::FeatureFlag(const std::string& name, bool fallback) const {
  auto it = features.find(name);
  if (it == features.end() || !std::holds_alternative<bool>(it->second)) return fallback;
  return std::get<bool>(it->second);
}

std::string ServerConfig::FeatureString(const std::string& name, const std::string& fallback) const {
  auto it = features.find(name);
  if (it == features.end() || !std::holds_alternative<std::string>(it->second)) return fallback;
  return std::get<std::string>(it->second);
}

namespace {

Status Invalid(const std::string& key, const std::string& reason) {
  return Status::InvalidArgument(key + ": " + reason);
}

Status ParseInt(const std::string& key, const std::string& v, int64_t lo, int64_t hi, int64_t* out) {
  int64_t x = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    return Invalid(key, "expected an integer, got '" + v + "'");
  }
  if (x < lo || x > hi) {
    return Invalid(key, v + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  *out = x;
  return Status::Ok();
}

template <typename Int>
Status SetInt(const std::string& key, const std::string& v, int64_t lo, int64_t hi, Int* field) {
  int64_t x;
  NBA_RETURN_IF_ERROR(ParseInt(key, v, lo, hi, &x));
  *field = static_cast<Int>(x);
  return Status::Ok();
}

Status SetDouble(const std::string& key, const std::string& v, double lo, double hi, double* field) {
  double x = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    return Invalid(key, "expected a number, got '" + v + "'");
  }
  if (!(x >= lo && x <= hi)) {
    return Invalid(key, v + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  *field = x;
  return Status::Ok();
}

Status SetNonEmpty(const std::string& key, const std::string& v, std::string* field) {
  if (v.empty()) return Invalid(key, "must not be empty");
  *field = v;
  return Status::Ok();
}

Status ReadFile(const std::string& key, const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid(key, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return Status::Ok();
}

std::vector<std::string> SplitList(const std::string& v) {
  std::vector<std::string> items;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

using Setter = Status (*)(const std::string& key, const std::string& value, ServerConfig* c);
struct Key {
  const char* name;
  Setter set;
};

constexpr int64_t kHour = 3600 * 1000;
const Key kKeys[] = {
    {"server.address", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->address); }},
    {"server.port", [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 0, 65535, &c->port); }},
    {"server.threads", [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 0, 1024, &c->threads); }},
    {"server.max_body_bytes",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 1, int64_t{1} << 32, &c->max_body_bytes); }},
    {"server.max_header_bytes",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 1024, 1 << 20, &c->max_header_bytes); }},
    {"server.read_timeout_ms",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 1, kHour, &c->read_timeout_ms); }},
    {"server.write_timeout_ms",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 1, kHour, &c->write_timeout_ms); }},
    {"server.shutdown_timeout_ms",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 0, kHour, &c->shutdown_timeout_ms); }},
    {"server.access_log", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->access_log); }},
    {"data_dir", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->data_dir); }},
    {"auth.jwt.algorithm",
     [](auto& k, auto& v, ServerConfig* c) {
       if (v != "" && v != "HS256" && v != "RS256") return Invalid(k, "expected HS256 or RS256, got '" + v + "'");
       c->jwt.algorithm = v;
       return Status::Ok();
     }},
    {"auth.jwt.secret", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->jwt.secret); }},
    {"auth.jwt.public_key",
     [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->jwt.public_key_pem); }},
    {"auth.jwt.public_key_file",
     [](auto& k, auto& v, ServerConfig* c) { return ReadFile(k, v, &c->jwt.public_key_pem); }},
    {"rate_limit.requests_per_second",
     [](auto& k, auto& v, ServerConfig* c) { return SetDouble(k, v, 0, 1e9, &c->rate_limit.requests_per_second); }},
    {"rate_limit.burst",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 0, 1000000000, &c->rate_limit.burst); }},
    {"serving.registry_dir",
     [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->serving.registry_dir); }},
    {"serving.ingest_workers",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 1, 4096, &c->serving.ingest_workers); }},
    {"serving.feature_max_events",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 1, 100000, &c->serving.feature_max_events); }},
    {"serving.snapshot_interval_s",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 0, 86400 * 7, &c->serving.snapshot_interval_s); }},
    {"serving.cache_entries",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 0, 100000000, &c->serving.cache_entries); }},
    {"serving.time_budget_ms",
     [](auto& k, auto& v, ServerConfig* c) { return SetDouble(k, v, 0, 60000, &c->serving.time_budget_ms); }},
    {"serving.trending_half_life_hours",
     [](auto& k, auto& v, ServerConfig* c) {
       return SetDouble(k, v, 0.01, 24 * 365, &c->serving.trending_half_life_hours);
     }},
    {"serving.audit_log", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->serving.audit_log); }},
    {"serving.event_types",
     [](auto& k, auto& v, ServerConfig* c) {
       c->serving.extra_event_types.clear();
       for (const std::string& entry : SplitList(v)) {
         const size_t eq = entry.find('=');
         EventType type;
         if (eq == std::string::npos || eq == 0 || !ParseEventType(entry.substr(eq + 1), &type) ||
             type == EventType::kPadding)
           return Invalid(k, "expected name=kind entries (kinds: view, click, add_to_cart, purchase, "
                             "interaction, rating), got '" + entry + "'");
         c->serving.extra_event_types.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
       }
       return Status::Ok();
     }},
    {"mode",
     [](auto& k, auto& v, ServerConfig* c) {
       if (v != "embedded" && v != "distributed") return Invalid(k, "expected embedded or distributed, got '" + v + "'");
       c->mode = v;
       return Status::Ok();
     }},
    {"kafka.brokers", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->kafka.brokers); }},
    {"kafka.events_topic", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->kafka.events_topic); }},
    {"kafka.catalog_topic",
     [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->kafka.catalog_topic); }},
    {"kafka.events_partitions",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 1, 10000, &c->kafka.events_partitions); }},
    {"kafka.linger_ms", [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 0, 10000, &c->kafka.linger_ms); }},
    {"kafka.compression",
     [](auto& k, auto& v, ServerConfig* c) {
       if (v != "none" && v != "gzip" && v != "snappy" && v != "lz4" && v != "zstd") {
         return Invalid(k, "expected none, gzip, snappy, lz4 or zstd, got '" + v + "'");
       }
       c->kafka.compression = v;
       return Status::Ok();
     }},
    {"kafka.delivery_timeout_ms",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 100, 600000, &c->kafka.delivery_timeout_ms); }},
    {"kafka.on_unavailable",
     [](auto& k, auto& v, ServerConfig* c) {
       if (v != "spool" && v != "reject") return Invalid(k, "expected spool or reject, got '" + v + "'");
       c->kafka.on_unavailable = v;
       return Status::Ok();
     }},
    {"redis.address", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->redis.address); }},
    {"redis.password",
     [](auto& k, auto& v, ServerConfig* c) {
       c->redis.password = v;
       return Status::Ok();
     }},
    {"redis.key_prefix", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->redis.key_prefix); }},
    {"redis.local_cache_ms",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 0, 60000, &c->redis.local_cache_ms); }},
    {"redis.cache_ttl_ms",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 0, 86400000, &c->redis.cache_ttl_ms); }},
    {"redis.timeout_ms", [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 1, 60000, &c->redis.timeout_ms); }},
    {"consume.group_id", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->consume.group_id); }},
    {"consume.lake_dir", [](auto& k, auto& v, ServerConfig* c) { return SetNonEmpty(k, v, &c->consume.lake_dir); }},
    {"consume.batch_max_events",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 1, 1000000, &c->consume.batch_max_events); }},
    {"consume.batch_max_ms",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 1, 60000, &c->consume.batch_max_ms); }},
    {"consume.metrics_port",
     [](auto& k, auto& v, ServerConfig* c) { return SetInt(k, v, 0, 65535, &c->consume.metrics_port); }},
    {"cors.allowed_origins",
     [](auto& k, auto& v, ServerConfig* c) {
       c->cors_allowed_origins = SplitList(v);
       return Status::Ok();
     }},
};

// Sections hold keys; the environment rejects unknown names under them.
const char* const kSections[] = {"server", "serving", "auth", "auth.jwt", "rate_limit", "cors", "kafka", "redis", "consume"};

bool IsSection(const std::string& key) {
  return std::find(std::begin(kSections), std::end(kSections), key) != std::end(kSections);
}

std::string EnvName(const std::string& key) {
  std::string env = "NBA_";
  for (char c : key) env.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(c)));
  return env;
}

std::string Where(const std::string& path, const YAML::Node& node) {
  return path + ":" + std::to_string(node.Mark().line + 1) + ": ";
}

Status Prefixed(const std::string& prefix, const Status& s) {
  return s.ok() ? s : Status::InvalidArgument(prefix + s.message());
}

std::string Scalar(const YAML::Node& node) { return node.IsNull() ? "" : node.Scalar(); }

Status ParseApiKeys(const std::string& path, const YAML::Node& node, ServerConfig* c) {
  if (!node.IsSequence()) {
    return Status::InvalidArgument(Where(path, node) + "auth.api_keys: expected a list of {name, sha256, scopes}");
  }
  c->api_keys.clear();
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node& entry = node[i];
    std::string prefix = "auth.api_keys[" + std::to_string(i) + "]";
    if (!entry.IsMap()) return Status::InvalidArgument(Where(path, entry) + prefix + ": expected a mapping");
    ApiKeyConfig key;
    for (const auto& kv : entry) {
      std::string field = prefix + "." + kv.first.Scalar();
      const YAML::Node& v = kv.second;
      if (kv.first.Scalar() == "scopes") {
        if (!v.IsSequence()) return Status::InvalidArgument(Where(path, v) + field + ": expected a list");
        for (const auto& s : v) {
          Scope scope;
          if (!s.IsScalar() || !ParseScope(s.Scalar(), &scope)) {
            return Status::InvalidArgument(Where(path, s) + field + ": unknown scope '" + Scalar(s) +
                                           "' (expected ingest, recommend or admin)");
          }
          key.scopes.push_back(s.Scalar());
        }
      } else if (!v.IsScalar()) {
        return Status::InvalidArgument(Where(path, v) + field + ": expected a scalar");
      } else if (kv.first.Scalar() == "name") {
        key.name = v.Scalar();
      } else if (kv.first.Scalar() == "sha256") {
        std::string hex = v.Scalar();
        std::transform(hex.begin(), hex.end(), hex.begin(), ::tolower);
        if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
          return Status::InvalidArgument(Where(path, v) + field + ": expected 64 hex digits (a SHA-256)");
        }
        key.sha256_hex = hex;
      } else {
        return Status::InvalidArgument(Where(path, v) + field + ": unknown key");
      }
    }
    if (key.name.empty() || key.sha256_hex.empty()) {
      return Status::InvalidArgument(Where(path, entry) + prefix + ": needs a name and a sha256");
    }
    c->api_keys.push_back(std::move(key));
  }
  return Status::Ok();
}

Status SetFeature(const std::string& name, const std::string& value, ServerConfig* c) {
  if (name.empty()) return Invalid("features", "empty feature name");
  if (value == "true" || value == "false") {
    c->features[name] = value == "true";
  } else {
    c->features[name] = value;
  }
  return Status::Ok();
}

Status Walk(const std::string& path, const std::string& prefix, const YAML::Node& node, ServerConfig* c) {
  for (const auto& kv : node) {
    std::string key = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "auth.api_keys") {
      NBA_RETURN_IF_ERROR(ParseApiKeys(path, v, c));
    } else if (key == "features") {
      if (!v.IsMap()) return Status::InvalidArgument(Where(path, v) + "features: expected a mapping");
      for (const auto& f : v) {
        if (!f.second.IsScalar()) {
          return Status::InvalidArgument(Where(path, f.second) + "features." + f.first.Scalar() +
                                         ": expected true, false or a string");
        }
        NBA_RETURN_IF_ERROR(Prefixed(Where(path, f.second), SetFeature(f.first.Scalar(), f.second.Scalar(), c)));
      }
    } else if (IsSection(key)) {
      if (!v.IsMap()) return Status::InvalidArgument(Where(path, v) + key + ": expected a mapping");
      NBA_RETURN_IF_ERROR(Walk(path, key, v, c));
    } else if (key == "cors.allowed_origins" && v.IsSequence()) {
      c->cors_allowed_origins.clear();
      for (const auto& o : v) {
        if (!o.IsScalar()) return Status::InvalidArgument(Where(path, o) + key + ": expected a list of strings");
        c->cors_allowed_origins.push_back(o.Scalar());
      }
    } else if (v.IsMap() || v.IsSequence()) {
      bool known = std::any_of(std::begin(kKeys), std::end(kKeys), [&](const Key& k) { return key == k.name; });
      return Status::InvalidArgument(Where(path, v) + key +
                                     (known ? ": expected a scalar value" : ": unknown key"));
    } else {
      NBA_RETURN_IF_ERROR(Prefixed(Where(path, v), ApplyOverride(key, Scalar(v), c)));
    }
  }
  return Status::Ok();
}

}  // namespace

Status ApplyOverride(const std::string& key, const std::string& value, ServerConfig* config) {
  for (const Key& k : kKeys) {
    if (key == k.name) return k.set(key, value, config);
  }
  if (key.starts_with("features.")) return SetFeature(key.substr(9), value, config);
  return Invalid(key, "unknown key");
}

Status LoadConfig(const std::string& yaml_path, const std::map<std::string, std::string>& env,
                  ServerConfig* config) {
  if (!yaml_path.empty()) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(yaml_path);
    } catch (const YAML::BadFile&) {
      return Status::IOError(yaml_path + ": cannot read the file");
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(yaml_path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!root.IsNull()) {
      if (!root.IsMap()) return Status::InvalidArgument(yaml_path + ": expected a mapping at the top level");
      NBA_RETURN_IF_ERROR(Walk(yaml_path, "", root, config));
    }
  }
  for (const auto& [name, value] : env) {
    if (!name.starts_with("NBA_")) continue;
    const Key* match = nullptr;
    for (const Key& k : kKeys) {
      if (name == EnvName(k.name)) match = &k;
    }
    Status s;
    if (match != nullptr) {
      s = match->set(match->name, value, config);
    } else if (name.starts_with("NBA_FEATURES_")) {
      std::string feature = name.substr(13);
      std::transform(feature.begin(), feature.end(), feature.begin(), ::tolower);
      s = SetFeature(feature, value, config);
    } else {
      // Other NBA_ variables belong to other commands; only names inside a
      // section of this file are typos worth reporting.
      for (const char* section : kSections) {
        if (name.starts_with(EnvName(section) + "_")) s = Status::InvalidArgument("unknown key");
      }
    }
    if (!s.ok()) return Status::InvalidArgument("environment " + name + ": " + s.message());
  }
  return Status::Ok();
}

Status ValidateConfig(const ServerConfig& c) {
  if (c.mode == "distributed" && c.kafka.brokers.empty()) {
    return Invalid("kafka.brokers", "required when mode is distributed");
  }
  if (c.jwt.algorithm == "HS256" && c.jwt.secret.empty()) {
    return Invalid("auth.jwt.secret", "required when auth.jwt.algorithm is HS256");
  }
  if (c.jwt.algorithm == "RS256" && c.jwt.public_key_pem.find("-----BEGIN") == std::string::npos) {
    return Invalid("auth.jwt.public_key", "required (PEM) when auth.jwt.algorithm is RS256");
  }
  if (c.rate_limit.requests_per_second > 0 && c.rate_limit.burst < 1) {
    return Invalid("rate_limit.burst", "must be at least 1 when rate_limit.requests_per_second is set");
  }
  std::set<std::string> names, hashes;
  for (size_t i = 0; i < c.api_keys.size(); ++i) {
    const ApiKeyConfig& k = c.api_keys[i];
    std::string field = "auth.api_keys[" + std::to_string(i) + "]";
    if (!names.insert(k.name).second) return Invalid(field + ".name", "duplicate name '" + k.name + "'");
    if (!hashes.insert(k.sha256_hex).second) return Invalid(field + ".sha256", "same key as another entry");
    if (k.scopes.empty()) return Invalid(field + ".scopes", "at least one scope is required");
  }
  return Status::Ok();
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    size_t eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

}  // namespace nba

// Test helpers for the engine: a real Engine on a temporary data dir and
// registry, a tiny SASRec artefact with random weights built without torch
// (nba_engine does not link it), and requests with API keys over the
// raw-socket client of tests/server/test_http.h.
#pragma once

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../testing/temp_dir.h"
#include "../server/test_http.h"
#include "engine/engine.h"
#include "registry/model_config.h"
#include "registry/registry.h"
#include "registry/sha256.h"

namespace nba::testing {

inline const std::string kAdminKey = "admin-key";    // admin, ingest, recommend
inline const std::string kIngestKey = "ingest-key";  // ingest
inline const std::string kShopKey = "shop-key";      // recommend

inline constexpr int kItems = 20;
inline std::string ItemId(int i) { return "i" + std::to_string(i); }

// A SASRec artefact (hidden 8, one block, event types) over items
// i1..i<kItems>, with random weights named and shaped as SasRecEngine reads
// them: it loads through the registry exactly as a trained model does.
inline Artefact RandomModel(uint32_t seed) {
  ModelConfig c;
  c.num_items = kItems;
  c.max_len = 10;
  c.hidden = 8;
  c.heads = 1;
  c.blocks = 1;
  c.ffn_dim = 8;
  const int64_t d = c.hidden, f = c.ffn_dim;
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.5f);
  Artefact a;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, float base) {
    Tensor t;
    t.shape = std::move(shape);
    t.data.resize(static_cast<size_t>(t.numel()));
    for (float& v : t.data) v = base + noise(rng);
    a.weights[name] = std::move(t);
  };
  add("item_emb.weight", {c.num_items + 1, d}, 0);
  add("pos_emb.weight", {c.max_len, d}, 0);
  add("type_emb.weight", {kNumEventTypes, d}, 0);
  const std::string p = "blocks.0.";
  for (const char* ln : {"attn_ln", "ffn_ln"}) {
    add(p + ln + ".weight", {d}, 1);
    add(p + ln + ".bias", {d}, 0);
  }
  for (const char* proj : {"q", "k", "v", "o"}) {
    add(p + proj + ".weight", {d, d}, 0);
    add(p + proj + ".bias", {d}, 0);
  }
  add(p + "ffn1.weight", {f, d}, 0);
  add(p + "ffn1.bias", {f}, 0);
  add(p + "ffn2.weight", {d, f}, 0);
  add(p + "ffn2.bias", {d}, 0);
  add("final_ln.weight", {d}, 1);
  add("final_ln.bias", {d}, 0);
  a.config = c.ToJson();
  for (int i = 1; i <= kItems; ++i) a.items.Intern(ItemId(i));
  return a;
}

// Stores RandomModel(seed) as the registry's next version.
inline std::string RegisterModel(const std::string& registry_dir, uint32_t seed) {
  std::unique_ptr<ModelRegistry> registry;
  std::string version;
  Status s = ModelRegistry::Open(registry_dir, &registry);
  if (s.ok()) s = registry->Register(RandomModel(seed), &version);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return version;
}

// One raw HTTP/1.1 request, with the key as X-API-Key when given.
inline std::string Raw(const std::string& method, const std::string& target, const std::string& body = "",
                       const std::string& key = "") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: t\r\n";
  if (!key.empty()) r += "X-API-Key: " + key + "\r\n";
  if (method == "POST" || method == "PUT" || !body.empty()) {
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return r + "\r\n" + body;
}

// The reply's body as JSON; null when it is not JSON.
inline nlohmann::json Json(const HttpReply& r) { return nlohmann::json::parse(r.body, nullptr, false); }

// A real Engine on 127.0.0.1:<ephemeral>, its data dir and registry in a
// temporary directory; Restart() reopens it on the same files.
class TestEngine {
 public:
  TestEngine() {
    config = TestConfig();
    config.data_dir = dir.File("data");
    config.serving.registry_dir = dir.File("registry");
    config.serving.snapshot_interval_s = 0;  // snapshot at shutdown only
    config.serving.ingest_workers = 8;
    config.api_keys = {{"ops", Sha256Hex(kAdminKey), {"admin", "ingest", "recommend"}},
                       {"collector", Sha256Hex(kIngestKey), {"ingest"}},
                       {"shop", Sha256Hex(kShopKey), {"recommend"}}};
  }
  ~TestEngine() { Stop(); }

  void Start() {
    Status s = Engine::Open(config, &engine);
    ASSERT_TRUE(s.ok()) << s.ToString();
    s = engine->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    port = engine->port();
  }
  // Graceful shutdown: drains, snapshots the feature store, closes the logs.
  void Stop() {
    if (!engine) return;
    engine->Shutdown();
    engine->Wait();
    engine.reset();
  }
  void Restart() {
    Stop();
    Start();
  }

  HttpReply Send(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::string& key = kAdminKey) {
    return Call(port, Raw(method, target, body, key));
  }

  TempDir dir;
  ServerConfig config;
  std::unique_ptr<Engine> engine;
  int port = 0;
};

}  // namespace nba::testing

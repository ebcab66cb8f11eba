// Shared by the ingest tests: a temp directory, and the whole write side
// (event log, feature store, IngestService, HTTP server on loopback) with
// API keys "ingest-key" (scope ingest) and "admin-key" (scope admin).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "../server/test_http.h"
#include "ingest/ingest_service.h"
#include "ingest/replay.h"
#include "server/auth.h"
#include "../testing/temp_dir.h"

namespace nba::testing {


inline const std::string kIngestKey = "X-API-Key: ingest-key\r\n";
inline const std::string kAdminKey = "X-API-Key: admin-key\r\n";

inline std::string HttpRequest(const std::string& method, const std::string& target, const std::string& body,
                           const std::string& key) {
  return method + " " + target + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + key + "\r\n" + body;
}

// Everything `nba serve` runs for ingest, over `dir`.
struct IngestStack {
  explicit IngestStack(const std::string& dir, int workers = 8) {
    Status s = EventLog::Open(EventLogOptions{.dir = dir + "/log"}, &log);
    EXPECT_TRUE(s.ok()) << s.ToString();
    store = std::make_unique<MemoryFeatureStore>(MemoryFeatureStoreOptions{.max_events = 50, .shards = 8});
    RebuildReport report;
    s = RebuildFeatures(dir + "/features.snap", *log, store.get(), &report);
    EXPECT_TRUE(s.ok()) << s.ToString();
    IngestOptions options;
    options.workers = workers;
    ingest = std::make_unique<IngestService>(options, log.get(), store.get());
    ServerConfig config = TestConfig();
    config.api_keys = {{"ingester", Sha256Hex("ingest-key"), {"ingest"}},
                       {"admin", Sha256Hex("admin-key"), {"admin"}}};
    server = std::make_unique<TestServer>(config);
    s = ingest->Register(server->service.get());
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  ~IngestStack() {
    server.reset();  // drains the connections first
    ingest.reset();
    log.reset();
  }
  void Start() { server->Start(); }
  int port() const { return server->port; }
  HttpReply Send(const std::string& method, const std::string& target, const std::string& body,
                 const std::string& key) {
    return Call(port(), HttpRequest(method, target, body, key));
  }

  std::unique_ptr<EventLog> log;
  std::unique_ptr<MemoryFeatureStore> store;
  std::unique_ptr<IngestService> ingest;
  std::unique_ptr<TestServer> server;
};

}  // namespace nba::testing

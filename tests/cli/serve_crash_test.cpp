// kill -9 of the real `nba serve` during sustained ingest: after a restart on
// the same data dir, every event that was acknowledged (200) is there, with
// the item, type and timestamp it was sent with.
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "nba_process.h"

namespace nba::testing {
namespace {

using nlohmann::json;

constexpr int kClients = 8;
constexpr int kBatch = 20;
// SHA-256 of "crash-key", as auth.api_keys[].sha256 holds it.
const std::string kKey = "crash-key";
const std::string kKeyHash = "df90f9f610f8a6e8580024a444462e52b97ddf790880cf46a85bd44769241f6a";
const char* const kTypes[] = {"view", "click", "add_to_cart", "purchase"};

using StoredEvent = std::tuple<std::string, std::string, int64_t>;  // item, type, timestamp

std::string Request(const std::string& method, const std::string& target, const std::string& body) {
  return method + " " + target + " HTTP/1.1\r\nHost: t\r\nX-API-Key: " + kKey +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One client: alternately single events and batches of kBatch on one
// keep-alive connection, each event with a unique item id, until the
// server dies or `stop`. Returns the acknowledged events.
std::vector<StoredEvent> Client(int port, int id, int64_t base_ts, const std::atomic<bool>& stop) {
  std::vector<StoredEvent> acked;
  TestConnection c(port);
  const std::string user = "user-" + std::to_string(id);
  int64_t seq = 0;
  for (int round = 0; !stop.load(); ++round) {
    std::vector<StoredEvent> sent;
    json body = json::array();
    for (int i = 0; i < (round % 2 ? kBatch : 1); ++i, ++seq) {
      sent.emplace_back("c" + std::to_string(id) + "-" + std::to_string(seq), kTypes[seq % 4], base_ts + seq);
      body.push_back({{"user_id", user},
                      {"item_id", std::get<0>(sent.back())},
                      {"event_type", std::get<1>(sent.back())},
                      {"timestamp", std::get<2>(sent.back())}});
    }
    c.Send(Request("POST", "/v1/events", (sent.size() == 1 ? body[0] : body).dump()));
    HttpReply r;
    if (!c.Read(&r)) break;  // killed
    if (r.status != 200) {
      ADD_FAILURE() << "client " << id << ": " << r.status << " " << r.body;
      break;
    }
    EXPECT_EQ(json::parse(r.body)["accepted"], sent.size()) << r.body;
    acked.insert(acked.end(), sent.begin(), sent.end());
  }
  return acked;
}

TEST(ServeCrashTest, Kill9DuringIngestLosesNoAcknowledgedEvent) {
  TempDir dir;
  const std::string config = dir.Write("nba.yaml",
                                       "server:\n"
                                       "  address: 127.0.0.1\n"
                                       "  port: 0\n"
                                       "  threads: 2\n"
                                       "  access_log: \"off\"\n"
                                       "data_dir: " + dir.File("data") + "\n"
                                       "serving:\n"
                                       "  registry_dir: " + dir.File("registry") + "\n"
                                       "auth:\n"
                                       "  api_keys:\n"
                                       "    - name: crash\n"
                                       "      sha256: " + kKeyHash + "\n"
                                       "      scopes: [ingest, admin]\n");
  const std::vector<std::string> args = {"--config", config, "--set", "serving.feature_max_events=100000"};
  NbaServer server(dir);
  server.Start(args);
  if (HasFatalFailure()) return;

  const int64_t base_ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() - 3600 * 1000;
  std::atomic<bool> stop{false};
  std::vector<std::vector<StoredEvent>> acked(kClients);
  std::vector<std::thread> clients;
  for (int id = 0; id < kClients; ++id) {
    clients.emplace_back([&, id] { acked[id] = Client(server.port(), id, base_ts, stop); });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  server.Stop(SIGKILL);
  stop = true;
  for (std::thread& t : clients) t.join();

  server.Start(args);
  if (HasFatalFailure()) return;
  size_t total = 0, missing = 0;
  for (int id = 0; id < kClients; ++id) {
    HttpReply r = Call(server.port(), Request("GET", "/v1/users/user-" + std::to_string(id), ""));
    std::set<StoredEvent> stored;
    EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
    const json features = r.status == 200 ? json::parse(r.body) : json::object();
    if (features.contains("recent")) {
      for (const json& e : features["recent"]) {
        stored.emplace(e["item_id"].get<std::string>(), e["event_type"].get<std::string>(),
                       e["timestamp"].get<int64_t>());
      }
    }
    for (const StoredEvent& e : acked[id]) {
      ++total;
      if (!stored.count(e)) {
        if (++missing <= 5) ADD_FAILURE() << "acknowledged but lost: user-" << id << " " << std::get<0>(e);
      }
    }
  }
  EXPECT_GT(total, 0u) << "no event was acknowledged before the kill";
  EXPECT_EQ(missing, 0u) << "of " << total << " acknowledged events";
}

}  // namespace
}  // namespace nba::testing

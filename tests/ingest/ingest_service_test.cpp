// The ingest routes over real HTTP on loopback, with a real event log in a
// temp directory: acknowledgement, validation, users, erasure, restart.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ingest_testing.h"

namespace nba {
namespace {

using nlohmann::json;
using testing::IngestStack;
using testing::kAdminKey;
using testing::kIngestKey;
using testing::TempDir;

std::string Event(const std::string& user, const std::string& item, const std::string& type, int64_t ts) {
  return json{{"user_id", user}, {"item_id", item}, {"event_type", type}, {"timestamp", ts}}.dump();
}

// Every record of the log, decoded, in order.
std::vector<LogRecord> LogRecords(const EventLog& log) {
  std::vector<LogRecord> out;
  EXPECT_TRUE(log.ReadAll(1, [&](uint64_t, std::string_view data) {
                   EXPECT_TRUE(DecodeRecord(data, &out.emplace_back()).ok());
                   return true;
                 }).ok());
  return out;
}

class IngestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = std::make_unique<IngestStack>(tmp_.path());
    stack_->ingest->AddListener([this](const std::string& user, const UserEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      heard_.push_back(user + "/" + e.item_id);
    });
    stack_->Start();
  }
  HttpReply Post(const std::string& body) { return stack_->Send("POST", "/v1/events", body, kIngestKey); }
  json Features(const std::string& user) {
    HttpReply r = stack_->Send("GET", "/v1/users/" + user, "", kAdminKey);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body);
  }

  TempDir tmp_;
  std::unique_ptr<IngestStack> stack_;
  std::mutex mu_;
  std::vector<std::string> heard_;
};

TEST_F(IngestServiceTest, SingleAndBatchEventsAreDurableAndApplied) {
  HttpReply r = Post(Event("u1", "a", "view", 1000));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"accepted":1,"rejected":[]})"));
  r = Post("[" + Event("u1", "b", "purchase", 2000) + "," + Event("u2", "c", "click", 3000) + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["accepted"], 2);

  std::vector<LogRecord> records = LogRecords(*stack_->log);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].event.item_id, "b");
  EXPECT_EQ(records[1].event.type, EventType::kPurchase);
  EXPECT_EQ(records[1].event.ts_ms, 2000);

  json f = Features("u1");
  EXPECT_EQ(f["recent"], json::parse(R"([{"item_id":"a","event_type":"view","timestamp":1000},
                                          {"item_id":"b","event_type":"purchase","timestamp":2000}])"));
  EXPECT_EQ(f["purchased"], json::parse(R"(["b"])"));
  EXPECT_EQ(f["profile"], nullptr);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(heard_, (std::vector<std::string>{"u1/a", "u1/b", "u2/c"}));
}

TEST_F(IngestServiceTest, BadEventsAreReportedByIndexAndGoodOnesKept) {
  HttpReply r = Post("[" + Event("u1", "a", "view", 1000) + R"(,{"user_id":"u1","item_id":"b","event_type":"teleport"},)" +
                     R"({"user_id":"u1","item_id":"c","event_type":"view","timestamp":-5}])");
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  EXPECT_EQ(body["accepted"], 1);
  ASSERT_EQ(body["rejected"].size(), 2u);
  EXPECT_EQ(body["rejected"][0]["index"], 1);
  EXPECT_EQ(body["rejected"][0]["field"], "event_type");
  EXPECT_EQ(body["rejected"][1]["index"], 2);
  EXPECT_EQ(body["rejected"][1]["field"], "timestamp");
  EXPECT_EQ(body["rejected"][1]["reason"], "must not be negative");
  EXPECT_EQ(LogRecords(*stack_->log).size(), 1u);
}

TEST_F(IngestServiceTest, BadBodiesAre400AndStoreNothing) {
  struct Case {
    std::string body, code, message_part;
  };
  std::string far = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch()).count() + 2 * 86'400'000);
  for (const Case& c : std::vector<Case>{
           {"{\"user_id\":", "invalid_body", "not valid JSON"},
           {"[]", "invalid_body", "empty array"},
           {"\"view\"", "invalid_body", "object or an array"},
           {"{\"user_id\":\"\xc3\x28\",\"item_id\":\"i\",\"event_type\":\"view\"}", "invalid_body", "UTF-8"},
           {R"({"user_id":"u","item_id":"i","event_type":"view","timestamp":)" + far + "}", "invalid_events", "none of the 1"},
           {R"({"user_id":")" + std::string(300, 'u') + R"(","item_id":"i","event_type":"view"})", "invalid_events", ""},
           {R"([{"item_id":"i","event_type":"view"},{"user_id":5,"item_id":{},"event_type":"view"}])", "invalid_events", "none of the 2"},
       }) {
    HttpReply r = Post(c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    json body = json::parse(r.body);
    EXPECT_EQ(body["error"]["code"], c.code) << r.body;
    EXPECT_NE(body["error"]["message"].get<std::string>().find(c.message_part), std::string::npos) << r.body;
    if (c.code == "invalid_events") {
      EXPECT_EQ(body["accepted"], 0);
      EXPECT_FALSE(body["rejected"].empty());
    } else {
      EXPECT_EQ(body["error"]["field"], "body");
    }
  }
  EXPECT_EQ(stack_->log->stats().records, 0u);
  // The server keeps serving.
  EXPECT_EQ(Post(Event("u", "i", "view", 1)).status, 200);
}

TEST_F(IngestServiceTest, ScopesAreEnforced) {
  EXPECT_EQ(stack_->Send("POST", "/v1/events", Event("u", "i", "view", 1), "").status, 401);
  EXPECT_EQ(stack_->Send("POST", "/v1/events", Event("u", "i", "view", 1), kAdminKey).status, 403);
  EXPECT_EQ(stack_->Send("GET", "/v1/users/u", "", kIngestKey).status, 403);
  EXPECT_EQ(stack_->Send("DELETE", "/v1/users/u", "", kIngestKey).status, 403);
}

TEST_F(IngestServiceTest, UserProfilePutGetDelete) {
  HttpReply r = stack_->Send("PUT", "/v1/users/u%201", R"({"age":41,"country":"SE","consent":true})", kIngestKey);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["profile"], json::parse(R"({"age":41,"country":"SE","consent":true})"));
  r = stack_->Send("PUT", "/v1/users/u%201", R"({"age":200})", kIngestKey);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["field"], "age");
  r = stack_->Send("PUT", "/v1/users/" + std::string(257, 'x'), "{}", kIngestKey);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["error"]["field"], "user_id");

  ASSERT_EQ(Post(Event("u 1", "a", "view", 5)).status, 200);
  json f = Features("u%201");
  EXPECT_EQ(f["user_id"], "u 1");
  EXPECT_EQ(f["profile"]["age"], 41);
  EXPECT_EQ(f["recent"].size(), 1u);

  r = stack_->Send("DELETE", "/v1/users/u%201", "", kAdminKey);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(stack_->Send("GET", "/v1/users/u%201", "", kAdminKey).status, 404);
  std::vector<LogRecord> records = LogRecords(*stack_->log);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].kind, RecordKind::kProfile);
  EXPECT_EQ(records[2].kind, RecordKind::kErase);
}

TEST_F(IngestServiceTest, WithdrawnConsentRejectsEventsUnstored) {
  ASSERT_EQ(stack_->Send("PUT", "/v1/users/shy", R"({"consent":false})", kIngestKey).status, 200);
  HttpReply r = Post("[" + Event("shy", "a", "view", 1) + "," + Event("ok", "a", "view", 1) + "]");
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  EXPECT_EQ(body["accepted"], 1);
  EXPECT_EQ(body["rejected"][0]["index"], 0);
  EXPECT_EQ(body["rejected"][0]["field"], "user_id");
  EXPECT_TRUE(Features("shy")["recent"].empty());
  EXPECT_EQ(LogRecords(*stack_->log).size(), 2u);  // the profile and ok's event
}

TEST_F(IngestServiceTest, MetricsCountIngestedAndRejected) {
  ASSERT_EQ(Post("[" + Event("u", "a", "view", 1) + "," + Event("u", "b", "purchase", 2) + ",{}]").status, 200);
  std::string m = Call(stack_->port(), Get("/metrics")).body;
  EXPECT_NE(m.find("nba_events_ingested_total{type=\"view\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("nba_events_ingested_total{type=\"purchase\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("nba_events_rejected_total 1\n"), std::string::npos);
  EXPECT_NE(m.find("nba_feature_store_users 1\n"), std::string::npos);
  EXPECT_NE(m.find("nba_event_log_append_seconds_count 1\n"), std::string::npos);
  EXPECT_NE(m.find("nba_event_log_fsyncs "), std::string::npos);
  EXPECT_EQ(Call(stack_->port(), Get("/readyz")).status, 200);
}

// The reader rule: events and profiles before a user's erasure are skipped
// by every reader; what the user sends afterwards is kept.
TEST_F(IngestServiceTest, ErasureHidesEarlierRecordsFromReaders) {
  ASSERT_EQ(Post("[" + Event("gone", "a", "view", 1) + "," + Event("stay", "b", "view", 2) + "]").status, 200);
  ASSERT_EQ(stack_->Send("PUT", "/v1/users/gone", R"({"age":30})", kIngestKey).status, 200);
  ASSERT_EQ(stack_->Send("DELETE", "/v1/users/gone", "", kAdminKey).status, 200);
  ASSERT_EQ(Post(Event("gone", "c", "click", 3)).status, 200);

  std::vector<std::string> seen;
  ASSERT_TRUE(ReadVisibleRecords(*stack_->log, 1, [&](uint64_t seq, const LogRecord& r) {
                seen.push_back(std::to_string(seq) + ":" + r.user_id + ":" +
                               (r.kind == RecordKind::kEvent ? r.event.item_id : r.kind == RecordKind::kErase ? "erase" : "profile"));
                return true;
              }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"2:stay:b", "4:gone:erase", "5:gone:c"}));
  // The records are still on disk until compaction, which the raw log shows.
  EXPECT_EQ(LogRecords(*stack_->log).size(), 5u);
  json f = Features("gone");
  EXPECT_EQ(f["recent"].size(), 1u);
  EXPECT_EQ(f["profile"], nullptr);
}

// Close everything, reopen, rebuild: the features are the same, from the
// whole log and from a snapshot plus the log after it.
TEST(IngestRestartTest, RebuildRestoresFeaturesExactly) {
  TempDir tmp;
  std::vector<std::string> users = {"a", "b", "c", "d"};
  std::map<std::string, std::string> before;
  auto dump = [&](IngestStack& s) {
    std::map<std::string, std::string> out;
    for (const std::string& u : users) {
      HttpReply r = s.Send("GET", "/v1/users/" + u, "", kAdminKey);
      json j = r.status == 200 ? json::parse(r.body) : json();
      if (!j.is_null()) j.erase("version");  // versions restart from the snapshot's, not the live counter
      out[u] = std::to_string(r.status) + " " + j.dump();
    }
    return out;
  };
  for (bool use_snapshot : {false, true}) {
    SCOPED_TRACE(use_snapshot ? "snapshot + log" : "log only");
    std::filesystem::remove_all(tmp.path() + "/log");
    std::filesystem::remove(tmp.path() + "/features.snap");
    {
      IngestStack s(tmp.path());
      s.Start();
      for (int i = 0; i < 60; ++i) {
        const std::string& u = users[i % users.size()];
        ASSERT_EQ(s.Send("POST", "/v1/events", Event(u, "item" + std::to_string(i % 7), i % 5 ? "view" : "purchase", i),
                         kIngestKey).status, 200);
        if (i == 30 && use_snapshot) ASSERT_TRUE(s.ingest->Snapshot(tmp.path() + "/features.snap").ok());
      }
      ASSERT_EQ(s.Send("PUT", "/v1/users/b", R"({"age":20,"country":"IT"})", kIngestKey).status, 200);
      ASSERT_EQ(s.Send("DELETE", "/v1/users/c", "", kAdminKey).status, 200);
      before = dump(s);
    }
    IngestStack reopened(tmp.path());
    reopened.Start();
    EXPECT_EQ(dump(reopened), before);
    EXPECT_EQ(reopened.store->num_users(), 3u);
  }
}

}  // namespace
}  // namespace nba

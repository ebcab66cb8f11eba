// RedisClient against a real redis-server: commands, pipelines, error
// replies, AUTH and SELECT, scripts (NOSCRIPT reload), concurrency, and the
// fast failure while Redis is down followed by recovery.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "redis/redis_client.h"
#include "../testing/redis_server.h"

namespace nba {
namespace {

using Type = RedisReply::Type;

RedisClientOptions OptionsFor(const testing::RedisServer& server) {
  RedisClientOptions options;
  EXPECT_TRUE(ParseRedisAddress(server.address(), &options).ok());
  return options;
}

TEST(RedisAddressTest, ParsesHostAndPort) {
  RedisClientOptions options;
  ASSERT_TRUE(ParseRedisAddress("redis.internal:6380", &options).ok());
  EXPECT_EQ(options.host, "redis.internal");
  EXPECT_EQ(options.port, 6380);
}

TEST(RedisAddressTest, RejectsBadAddresses) {
  for (const char* bad : {"", "redis", ":6379", "redis:", "redis:0", "redis:65536", "redis:63a9", "redis:-1"}) {
    RedisClientOptions options;
    Status s = ParseRedisAddress(bad, &options);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("'" + std::string(bad) + "'"), std::string::npos) << s.message();
  }
}

class RedisClientTest : public testing::RedisServerTest {};

TEST_F(RedisClientTest, CommandAndErrorReply) {
  RedisClient client(OptionsFor(server_));
  RedisReply reply;
  ASSERT_TRUE(client.Command({"SET", "k", std::string("a\0b", 3)}, &reply).ok());
  EXPECT_EQ(reply.type, Type::kStatus);
  EXPECT_EQ(reply.str, "OK");
  ASSERT_TRUE(client.Command({"GET", "k"}, &reply).ok());
  EXPECT_EQ(reply.type, Type::kString);
  EXPECT_EQ(reply.str, std::string("a\0b", 3));

  // An error reply is an answer: the call succeeds and the connection stays.
  ASSERT_TRUE(client.Command({"INCR", "k"}, &reply).ok());
  EXPECT_EQ(reply.type, Type::kError);
  EXPECT_TRUE(reply.is_error());
  EXPECT_NE(reply.str.find("not an integer"), std::string::npos) << reply.str;
  ASSERT_TRUE(client.Command({"GET", "missing"}, &reply).ok());
  EXPECT_EQ(reply.type, Type::kNil);
  EXPECT_EQ(client.connects(), 1u);
}

TEST_F(RedisClientTest, PipelineAnswersEachCommandInOrder) {
  RedisClient client(OptionsFor(server_));
  std::vector<RedisReply> replies;
  ASSERT_TRUE(client
                  .Pipeline({{"RPUSH", "list", "a"},
                             {"RPUSH", "list", "b"},
                             {"NOSUCHCOMMAND"},
                             {"LRANGE", "list", "0", "-1"},
                             {"GET", "missing"}},
                            &replies)
                  .ok());
  ASSERT_EQ(replies.size(), 5u);
  EXPECT_EQ(replies[0].type, Type::kInteger);
  EXPECT_EQ(replies[0].integer, 1);
  EXPECT_EQ(replies[1].integer, 2);
  EXPECT_EQ(replies[2].type, Type::kError);
  ASSERT_EQ(replies[3].type, Type::kArray);
  ASSERT_EQ(replies[3].elements.size(), 2u);
  EXPECT_EQ(replies[3].elements[0].str, "a");
  EXPECT_EQ(replies[3].elements[1].str, "b");
  EXPECT_EQ(replies[4].type, Type::kNil);

  ASSERT_TRUE(client.Pipeline({}, &replies).ok());
  EXPECT_TRUE(replies.empty());
  EXPECT_EQ(client.Pipeline({{"PING"}, {}}, &replies).code(), Status::Code::kInvalidArgument);
  // The rejected pipeline left nothing behind on the connection.
  RedisReply reply;
  ASSERT_TRUE(client.Command({"PING"}, &reply).ok());
  EXPECT_EQ(reply.str, "PONG");
}

TEST_F(RedisClientTest, ConcurrentCallersShareThePool) {
  RedisClientOptions options = OptionsFor(server_);
  options.pool_size = 2;
  RedisClient client(options);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        RedisReply reply;
        if (!client.Command({"INCR", "counter"}, &reply).ok() || reply.type != Type::kInteger) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  RedisReply reply;
  ASSERT_TRUE(client.Command({"GET", "counter"}, &reply).ok());
  EXPECT_EQ(reply.str, "1200");
}

TEST_F(RedisClientTest, ScriptsAreLoadedWhenRedisLacksThem) {
  RedisClient client(OptionsFor(server_));
  RedisScript add("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  EXPECT_EQ(add.sha().size(), 40u);
  std::vector<RedisScriptCall> calls{{&add, {"n"}, {"2"}}, {&add, {"n"}, {"3"}}};
  std::vector<RedisReply> replies;
  // Never loaded: NOSCRIPT, loaded, run again in order.
  ASSERT_TRUE(client.EvalShaPipeline(calls, &replies).ok());
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].integer, 2);
  EXPECT_EQ(replies[1].integer, 5);

  RedisReply reply;
  ASSERT_TRUE(client.Command({"SCRIPT", "FLUSH"}, &reply).ok());
  ASSERT_TRUE(client.EvalShaPipeline(calls, &replies).ok());
  EXPECT_EQ(replies[1].integer, 10);

  // ScriptLoad checks that Redis computed the same digest.
  EXPECT_TRUE(client.ScriptLoad(add).ok());
  Status s = client.ScriptLoad(RedisScript("this is not lua"));
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("SCRIPT LOAD"), std::string::npos) << s.message();

  // A script's own error is a reply, not a failure.
  RedisScript failing("return redis.error_reply('no luck')");
  std::vector<RedisScriptCall> failing_call{{&failing, {}, {}}};
  ASSERT_TRUE(client.EvalShaPipeline(failing_call, &replies).ok());
  EXPECT_TRUE(replies[0].is_error());
  EXPECT_EQ(replies[0].str, "no luck");
}

TEST_F(RedisClientTest, UnavailableAtOnceWhileDown) {
  RedisClientOptions options = OptionsFor(server_);
  options.retry_after_ms = 600000;  // no second connection attempt within this test
  RedisClient client(options);
  RedisReply reply;
  ASSERT_TRUE(client.Command({"PING"}, &reply).ok());
  ASSERT_EQ(client.connects(), 1u);

  server_.Stop();
  Status s = client.Command({"PING"}, &reply);  // the pooled connection finds the server gone
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_TRUE(s.message().starts_with("redis " + server_.address() + ": ")) << s.message();
  for (int i = 0; i < 100; ++i) {
    s = client.Command({"PING"}, &reply);
    ASSERT_EQ(s.code(), Status::Code::kUnavailable);
  }
  std::vector<RedisReply> replies;
  EXPECT_EQ(client.Pipeline({{"PING"}, {"PING"}}, &replies).code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("next try in"), std::string::npos) << s.message();
  EXPECT_EQ(client.connects(), 1u) << "a client backing off must not try to connect";
}

TEST_F(RedisClientTest, WritingToAClosedConnectionIsAnErrorNotSigpipe) {
  RedisClient client(OptionsFor(server_));
  RedisReply reply;
  ASSERT_TRUE(client.Command({"PING"}, &reply).ok());
  server_.Stop();
  // Large enough that the write goes on after the peer's reset (EPIPE).
  Status s = client.Command({"SET", "k", std::string(32 << 20, 'x')}, &reply);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
}

TEST_F(RedisClientTest, RecoversAfterRetryDelay) {
  RedisClientOptions options = OptionsFor(server_);
  options.retry_after_ms = 50;
  RedisClient client(options);
  RedisReply reply;
  ASSERT_TRUE(client.Command({"SET", "k", "v"}, &reply).ok());
  server_.Stop();
  EXPECT_EQ(client.Command({"GET", "k"}, &reply).code(), Status::Code::kUnavailable);
  ASSERT_TRUE(server_.Start());

  Status s;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!(s = client.Command({"PING"}, &reply)).ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(reply.str, "PONG");
}

TEST(RedisClientDownTest, NothingListeningIsUnavailable) {
  testing::RedisServer never_started;  // reserves a port nobody listens on
  RedisClientOptions options;
  ASSERT_TRUE(ParseRedisAddress(never_started.address(), &options).ok());
  RedisClient client(options);
  RedisReply reply;
  Status s = client.Command({"PING"}, &reply);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("connect"), std::string::npos) << s.message();
  EXPECT_EQ(client.Command({"PING"}, &reply).code(), Status::Code::kUnavailable);
  EXPECT_EQ(client.connects(), 1u);
}

TEST(RedisClientAuthTest, AuthAndSelect) {
  if (!testing::RedisServer::Installed()) GTEST_SKIP() << testing::RedisServer::kMissing;
  testing::RedisServer server({"--requirepass", "secret"});
  ASSERT_TRUE(server.Start());
  RedisClientOptions options;
  ASSERT_TRUE(ParseRedisAddress(server.address(), &options).ok());
  options.password = "secret";
  options.db = 2;
  RedisClient db2(options);
  RedisReply reply;
  ASSERT_TRUE(db2.Command({"SET", "k", "v"}, &reply).ok());
  EXPECT_EQ(reply.str, "OK");

  options.db = 0;
  RedisClient db0(options);
  ASSERT_TRUE(db0.Command({"GET", "k"}, &reply).ok());
  EXPECT_EQ(reply.type, Type::kNil);

  options.password = "";
  RedisClient anonymous(options);
  ASSERT_TRUE(anonymous.Command({"GET", "k"}, &reply).ok());
  EXPECT_TRUE(reply.is_error());
  EXPECT_TRUE(reply.str.starts_with("NOAUTH")) << reply.str;

  options.password = "wrong";
  RedisClient wrong(options);
  Status s = wrong.Command({"GET", "k"}, &reply);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("AUTH failed"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace nba

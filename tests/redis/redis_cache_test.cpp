// RedisCache against a real redis-server: hits, misses, the key prefix, TTL
// expiry, and misses (counted) while Redis is down.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "redis/redis_cache.h"
#include "redis_testing.h"

namespace nba {
namespace {

class RedisCacheTest : public testing::RedisClientTest {
 protected:
  void SetUp() override { SetUpClient(600000); }

};

TEST_F(RedisCacheTest, PutThenGet) {
  RedisCache cache(client_);
  std::string value;
  EXPECT_FALSE(cache.Get("k", &value));
  cache.Put("k", std::string("rec\0ommendation", 15));
  ASSERT_TRUE(cache.Get("k", &value));
  EXPECT_EQ(value, std::string("rec\0ommendation", 15));
  EXPECT_EQ(cache.errors(), 0u);

  RedisReply reply;
  ASSERT_TRUE(client_->Command({"PTTL", "nba:rec:k"}, &reply).ok());
  EXPECT_GT(reply.integer, 0);
  EXPECT_LE(reply.integer, 60000);
}

TEST_F(RedisCacheTest, EntriesExpire) {
  RedisCache cache(client_, {.key_prefix = "c:", .ttl_ms = 30});
  cache.Put("k", "v");
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  std::string value;
  EXPECT_FALSE(cache.Get("k", &value));
  EXPECT_EQ(cache.errors(), 0u);
}

TEST_F(RedisCacheTest, DownIsAMissAndCounted) {
  RedisCache cache(client_);
  cache.Put("k", "v");
  server_.Stop();
  std::string value;
  EXPECT_FALSE(cache.Get("k", &value));
  cache.Put("k", "v2");
  EXPECT_FALSE(cache.Get("k", &value));
  EXPECT_EQ(cache.errors(), 3u);
  EXPECT_EQ(client_->connects(), 1u);
}

TEST_F(RedisCacheTest, ErrorReplyIsAMiss) {
  RedisCache cache(client_);
  RedisReply reply;
  ASSERT_TRUE(client_->Command({"RPUSH", "nba:rec:list", "x"}, &reply).ok());
  std::string value;
  EXPECT_FALSE(cache.Get("list", &value));  // WRONGTYPE
  EXPECT_EQ(cache.errors(), 1u);
}

}  // namespace
}  // namespace nba

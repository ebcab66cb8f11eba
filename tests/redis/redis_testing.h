// The fixture of the Redis suites: a real redis-server and a client of it.
#pragma once

#include <memory>

#include "../testing/redis_server.h"
#include "redis/redis_client.h"

namespace nba::testing {

class RedisClientTest : public RedisServerTest {
 protected:
  // Starts the server and a client that, after a failed connection, answers
  // Unavailable at once for retry_after_ms before it tries again.
  void SetUpClient(int retry_after_ms) {
    RedisServerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    RedisClientOptions options;
    ASSERT_TRUE(ParseRedisAddress(server_.address(), &options).ok());
    options.retry_after_ms = retry_after_ms;
    client_ = std::make_shared<RedisClient>(options);
  }

  std::shared_ptr<RedisClient> client_;
};

}  // namespace nba::testing

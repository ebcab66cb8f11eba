// RedisClient: a thread-safe, synchronous Redis client (hiredis) for the
// distributed mode's feature store and recommendation cache.
//
// Connections live in a pool: a call takes an idle one (or connects a new
// one, lazily), runs its commands and gives it back; at most pool_size idle
// connections are kept, so pool_size should be at least the number of threads
// that call at once (more callers still work, on connections closed after use).
//
// Failing fast matters more than retrying: a connection that fails (refused,
// reset, timed out) is dropped with every idle one, and for retry_after_ms
// afterwards every call answers Unavailable at once, without trying to
// connect, so a Redis that is down costs a request nothing and the caller
// falls back. A Redis error reply ("-ERR ...") is an answer, not a failure:
// the call succeeds and the reply says kError.
//
// Errors read "redis 127.0.0.1:6379: <reason>".
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

struct redisContext;

namespace nba {

struct RedisClientOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;        // sent with AUTH on connect when not empty
  int db = 0;                  // SELECTed on connect when not 0
  int connect_timeout_ms = 200;
  int command_timeout_ms = 200;  // per read/write on the socket
  size_t pool_size = 8;        // idle connections kept (>= 1)
  int retry_after_ms = 500;    // after a connection failure, no new try before this
};

// Sets options->host and ->port from "host:port" (the port 1..65535).
// InvalidArgument naming the address otherwise.
Status ParseRedisAddress(std::string_view address, RedisClientOptions* options);

// A plain copy of a hiredis reply.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  long long integer = 0;           // kInteger
  std::string str;                 // kString, kStatus, kError
  std::vector<RedisReply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
};

// A Lua script run by EVALSHA, so that only its SHA1 digest travels with
// each call. Redis computes the same digest when the script is loaded.
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha() const { return sha_; }

 private:
  std::string source_;
  std::string sha_;  // lowercase hex SHA1 of source_
};

// One EVALSHA of a pipeline.
struct RedisScriptCall {
  const RedisScript* script;
  std::vector<std::string> keys;
  std::vector<std::string> args;
};

class RedisClient {
 public:
  explicit RedisClient(RedisClientOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command, e.g. {"SET", key, value}: Unavailable when Redis could not
  // be asked; else Ok, the answer (possibly kError) in *reply.
  Status Command(const std::vector<std::string>& args, RedisReply* reply);

  // Every command sent at once, then every reply read: one round trip.
  // *replies holds one reply per command, in order, when Ok. On Unavailable
  // some commands may have run (the connection failed after sending them).
  Status Pipeline(const std::vector<std::vector<std::string>>& commands, std::vector<RedisReply>* replies);

  // SCRIPT LOAD: puts the script into Redis's script cache. IOError when
  // Redis rejects it (a Lua syntax error).
  Status ScriptLoad(const RedisScript& script);

  // An EVALSHA per call, pipelined. Calls answered NOSCRIPT (Redis restarted
  // or flushed its scripts, so they did not run) have their script loaded
  // and run again, once, in their order.
  Status EvalShaPipeline(std::span<const RedisScriptCall> calls, std::vector<RedisReply>* replies);

  // "127.0.0.1:6379"
  const std::string& address() const { return address_; }
  // Connection attempts so far (for /metrics, and to see the fast failure).
  uint64_t connects() const { return connects_.load(std::memory_order_relaxed); }

 private:
  // An idle or new connection, or Unavailable (also while backing off).
  Status Acquire(redisContext** context);
  void Release(redisContext* context);
  Status Connect(redisContext** context);
  // Drops `context` (may be null) and every idle connection, starts the
  // back-off and returns the Unavailable status for `reason`.
  Status Fail(redisContext* context, const std::string& reason);
  Status Unavailable(const std::string& reason) const;

  const RedisClientOptions options_;
  const std::string address_;
  std::mutex mu_;
  std::vector<redisContext*> idle_;  // guarded by mu_
  std::string last_failure_;         // guarded by mu_
  std::atomic<int64_t> retry_at_ms_{0};  // steady clock; no connection before
  std::atomic<uint64_t> connects_{0};
};

}  // namespace nba

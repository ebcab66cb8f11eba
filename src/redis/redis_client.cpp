#include "redis/redis_client.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>

#include "core/clock.h"

namespace nba {
namespace {

timeval Timeval(int ms) {
  ms = std::max(ms, 1);
  return timeval{ms / 1000, (ms % 1000) * 1000};
}

// hiredis writes with write(2): a peer that closed the socket would kill the
// process with SIGPIPE. Blocked in this thread while a call does I/O, and a
// SIGPIPE raised meanwhile is consumed, so the error surfaces as EPIPE only.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    pending_before_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~ScopedSigpipeBlock() {
    if (!pending_before_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{0, 0};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
  bool pending_before_ = false;
};

RedisReply Copy(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Copy(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

std::string Sha1Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha1(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

// Appends the command to the context's output buffer; false when hiredis
// could not (out of memory).
bool Append(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  return redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), argvlen.data()) == REDIS_OK;
}

}  // namespace

Status ParseRedisAddress(std::string_view address, RedisClientOptions* options) {
  size_t colon = address.rfind(':');
  int port = 0;
  const char* end = address.data() + address.size();
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) {
    return Status::InvalidArgument("redis address '" + std::string(address) + "': expected host:port");
  }
  auto [ptr, ec] = std::from_chars(address.data() + colon + 1, end, port);
  if (ec != std::errc() || ptr != end || port < 1 || port > 65535) {
    return Status::InvalidArgument("redis address '" + std::string(address) + "': port must be 1..65535");
  }
  options->host = std::string(address.substr(0, colon));
  options->port = port;
  return Status::Ok();
}

RedisScript::RedisScript(std::string source) : source_(std::move(source)), sha_(Sha1Hex(source_)) {}

RedisClient::RedisClient(RedisClientOptions options)
    : options_(std::move(options)), address_(options_.host + ":" + std::to_string(options_.port)) {}

RedisClient::~RedisClient() {
  for (redisContext* c : idle_) redisFree(c);
}

Status RedisClient::Unavailable(const std::string& reason) const {
  return Status::Unavailable("redis " + address_ + ": " + reason);
}

Status RedisClient::Fail(redisContext* context, const std::string& reason) {
  if (context != nullptr) redisFree(context);
  std::vector<redisContext*> idle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle.swap(idle_);
    last_failure_ = reason;
    retry_at_ms_.store(SteadyMs() + options_.retry_after_ms, std::memory_order_relaxed);
  }
  for (redisContext* c : idle) redisFree(c);
  return Unavailable(reason);
}

Status RedisClient::Connect(redisContext** context) {
  connects_.fetch_add(1, std::memory_order_relaxed);
  redisContext* c = redisConnectWithTimeout(options_.host.c_str(), options_.port, Timeval(options_.connect_timeout_ms));
  if (c == nullptr) return Fail(nullptr, "cannot allocate a connection");
  if (c->err != 0) return Fail(c, std::string("connect: ") + c->errstr);
  if (redisSetTimeout(c, Timeval(options_.command_timeout_ms)) != REDIS_OK) {
    return Fail(c, std::string("set timeout: ") + c->errstr);
  }
  std::vector<std::vector<std::string>> setup;
  if (!options_.password.empty()) setup.push_back({"AUTH", options_.password});
  if (options_.db != 0) setup.push_back({"SELECT", std::to_string(options_.db)});
  for (const auto& args : setup) {
    void* raw = nullptr;
    if (!Append(c, args) || redisGetReply(c, &raw) != REDIS_OK) {
      return Fail(c, args[0] + ": " + (c->err != 0 ? c->errstr : "no reply"));
    }
    RedisReply reply = Copy(static_cast<redisReply*>(raw));
    freeReplyObject(raw);
    if (reply.is_error()) return Fail(c, args[0] + " failed: " + reply.str);
  }
  *context = c;
  return Status::Ok();
}

Status RedisClient::Acquire(redisContext** context) {
  if (SteadyMs() < retry_at_ms_.load(std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t wait_ms = retry_at_ms_.load(std::memory_order_relaxed) - SteadyMs();
    return Unavailable(last_failure_ + " (next try in " + std::to_string(std::max<int64_t>(wait_ms, 0)) + " ms)");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      *context = idle_.back();
      idle_.pop_back();
      return Status::Ok();
    }
  }
  return Connect(context);
}

void RedisClient::Release(redisContext* context) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < std::max<size_t>(options_.pool_size, 1)) {
      idle_.push_back(context);
      return;
    }
  }
  redisFree(context);
}

Status RedisClient::Command(const std::vector<std::string>& args, RedisReply* reply) {
  std::vector<RedisReply> replies;
  NBA_RETURN_IF_ERROR(Pipeline({args}, &replies));
  *reply = std::move(replies[0]);
  return Status::Ok();
}

Status RedisClient::Pipeline(const std::vector<std::vector<std::string>>& commands, std::vector<RedisReply>* replies) {
  replies->clear();
  if (commands.empty()) return Status::Ok();
  for (const auto& args : commands) {
    if (args.empty()) return Status::InvalidArgument("redis " + address_ + ": empty command in a pipeline");
  }
  ScopedSigpipeBlock no_sigpipe;
  redisContext* c = nullptr;
  NBA_RETURN_IF_ERROR(Acquire(&c));
  for (const auto& args : commands) {
    if (!Append(c, args)) return Fail(c, "cannot buffer command " + args[0]);
  }
  replies->reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK) {
      bool timed_out = c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
      std::string reason = timed_out ? "no reply within " + std::to_string(options_.command_timeout_ms) + " ms"
                                     : std::string(c->errstr);
      replies->clear();
      return Fail(c, commands[i][0] + ": " + reason);
    }
    replies->push_back(Copy(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  Release(c);
  return Status::Ok();
}

Status RedisClient::ScriptLoad(const RedisScript& script) {
  RedisReply reply;
  NBA_RETURN_IF_ERROR(Command({"SCRIPT", "LOAD", script.source()}, &reply));
  if (reply.is_error()) return Status::IOError("redis " + address_ + ": SCRIPT LOAD: " + reply.str);
  if (reply.str != script.sha()) {
    return Status::Corruption("redis " + address_ + ": SCRIPT LOAD answered digest " + reply.str + ", expected " +
                              script.sha());
  }
  return Status::Ok();
}

Status RedisClient::EvalShaPipeline(std::span<const RedisScriptCall> calls, std::vector<RedisReply>* replies) {
  auto command = [](const RedisScriptCall& call) {
    std::vector<std::string> args{"EVALSHA", call.script->sha(), std::to_string(call.keys.size())};
    args.insert(args.end(), call.keys.begin(), call.keys.end());
    args.insert(args.end(), call.args.begin(), call.args.end());
    return args;
  };
  std::vector<std::vector<std::string>> commands;
  commands.reserve(calls.size());
  for (const RedisScriptCall& call : calls) commands.push_back(command(call));
  NBA_RETURN_IF_ERROR(Pipeline(commands, replies));

  std::vector<size_t> missing;
  std::set<const RedisScript*> to_load;
  for (size_t i = 0; i < replies->size(); ++i) {
    if ((*replies)[i].is_error() && (*replies)[i].str.starts_with("NOSCRIPT")) {
      missing.push_back(i);
      to_load.insert(calls[i].script);
    }
  }
  if (missing.empty()) return Status::Ok();
  for (const RedisScript* script : to_load) NBA_RETURN_IF_ERROR(ScriptLoad(*script));
  std::vector<std::vector<std::string>> retry;
  for (size_t i : missing) retry.push_back(std::move(commands[i]));
  std::vector<RedisReply> retried;
  NBA_RETURN_IF_ERROR(Pipeline(retry, &retried));
  for (size_t j = 0; j < missing.size(); ++j) (*replies)[missing[j]] = std::move(retried[j]);
  return Status::Ok();
}

}  // namespace nba

// HttpServer: the HTTP/1.1 transport (Boost.Beast) in front of an
// HttpService. Keep-alive, one io thread per configured thread, body and
// header limits (413 / 431), read and write timeouts, 400 for requests that
// do not parse.
//
// Graceful shutdown (Shutdown(), or SIGINT/SIGTERM after ShutdownOnSignals):
// the listening socket closes at once, so new connections are refused; idle
// keep-alive connections close; requests in flight finish and are answered
// with "Connection: close". Wait() returns when all connections are gone (or
// server.shutdown_timeout_ms passed) and the hooks registered with OnShutdown
// have run, in order, e.g. to flush and close the event log.
#pragma once

#include <functional>
#include <memory>

#include "core/status.h"
#include "server/config.h"
#include "server/http_service.h"

namespace nba {

class HttpServer {
 public:
  // `service` must outlive the server.
  HttpServer(const ServerConfig& config, HttpService* service);
  // Shuts down and waits when still running.
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds server.address:server.port and starts the io threads.
  Status Start();
  // The bound port: the kernel's choice when server.port is 0.
  int port() const;

  // SIGINT and SIGTERM start a graceful shutdown.
  void ShutdownOnSignals();
  // Runs `hook` in Wait() once every connection is closed.
  void OnShutdown(std::function<void()> hook);

  // Starts a graceful shutdown; returns at once. Thread-safe, idempotent;
  // callable from a handler.
  void Shutdown();
  // Blocks until Shutdown() and the drain are done, then runs the hooks.
  // Call once, after Start(), from a thread that is not an io thread.
  void Wait();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace nba

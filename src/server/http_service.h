// HttpService: what happens to a request between the socket and the route
// handler, independent of the transport:
//   request id (traceparent) -> CORS preflight -> path/query parsing ->
//   routing (404/405) -> authentication (401) and scope (403) ->
//   rate limit (429) -> handler (exceptions become 500) ->
//   CORS and id headers -> metrics and access log.
// It also serves GET /healthz, /readyz and /metrics. Routes are added before
// the server starts; Handle and HandleAsync are then safe from any number of
// threads. Metrics and the access log see an async route's latency up to its
// response.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "server/access_log.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/cors.h"
#include "server/http_message.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
#include "server/readiness.h"
#include "server/router.h"

namespace nba {

class HttpService {
 public:
  // Validates `config` (see ValidateConfig) and opens the access log.
  static Status Create(const ServerConfig& config, std::unique_ptr<HttpService>* out);

  // `scope` kNone makes the route public. Fails on a malformed or duplicate pattern.
  Status AddRoute(std::string method, std::string pattern, Scope scope, Handler handler);
  // A route whose handler answers later through its Responder (see AsyncHandler).
  Status AddAsyncRoute(std::string method, std::string pattern, Scope scope, AsyncHandler handler);

  // The registered routes (method, pattern, scope) in registration order,
  // e.g. to check the API document docs/openapi.yaml against what is served.
  const std::vector<std::unique_ptr<Route>>& routes() const { return router_.routes(); }

  MetricsRegistry& metrics() { return metrics_; }
  Readiness& readiness() { return readiness_; }

  // Serves one parsed request; fills its path, query, params, id and principal.
  // `done` receives the response, on the thread that responded; `req` must
  // stay alive until then.
  void HandleAsync(Request& req, Responder done);
  // HandleAsync, waiting for the response.
  Response Handle(Request& req);

  // Answers a request the transport could not parse (400, 413, 431), still
  // counted and logged.
  Response Reject(Request& req, int status, std::string_view code, std::string_view message);

 private:
  struct RouteStats {
    std::string method, route;
    Histogram* latency;
    std::array<std::atomic<Counter*>, 500> by_status{};  // index: status - 100
  };

  explicit HttpService(const ServerConfig& config);
  std::unique_ptr<RouteStats> NewStats(const std::string& method, const std::string& route);
  struct Call;
  // Routing, authentication and rate limit: false with *early set when the
  // request is answered before reaching a handler.
  bool Admit(Request& req, Call* call, Response* early);
  Response Finish(Request& req, Response res, const Route* route, std::string_view traceparent,
                  std::chrono::steady_clock::time_point start);
  Response Ready() const;

  Router router_;
  Authenticator auth_;
  RateLimiter limiter_;
  CorsPolicy cors_;
  MetricsRegistry metrics_;
  Readiness readiness_;
  std::unique_ptr<AccessLog> log_;
  CounterFamily* requests_;
  HistogramFamily* durations_;
  std::vector<std::unique_ptr<RouteStats>> stats_;  // by Route::id
  std::unique_ptr<RouteStats> unmatched_;  // 400/404/405 and unreadable requests
};

}  // namespace nba

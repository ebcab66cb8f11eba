#include "server/http_service.h"

#include <algorithm>
#include <exception>
#include <future>

#include "server/json_text.h"
#include "server/trace.h"
#include "server/url.h"

namespace nba {

HttpService::HttpService(const ServerConfig& config)
    : limiter_(config.rate_limit.requests_per_second, config.rate_limit.burst),
      cors_(config.cors_allowed_origins) {
  requests_ = metrics_.AddCounter("nba_http_requests_total", "HTTP requests by route and status.",
                                  {"method", "route", "status"});
  durations_ = metrics_.AddHistogram("nba_http_request_duration_seconds",
                                     "HTTP request latency by route, from parsed request to response.",
                                     DefaultLatencyBuckets(), {"method", "route"});
  unmatched_ = NewStats("-", "unmatched");
}

Status HttpService::Create(const ServerConfig& config, std::unique_ptr<HttpService>* out) {
  std::unique_ptr<HttpService> s(new HttpService(config));
  NBA_RETURN_IF_ERROR(Authenticator::Create(config, &s->auth_));
  NBA_RETURN_IF_ERROR(AccessLog::Open(config.access_log, &s->log_));
  HttpService* self = s.get();
  NBA_RETURN_IF_ERROR(s->AddRoute("GET", "/healthz", Scope::kNone,
                                  [](const Request&) { return Response::Json(200, "{\"status\":\"ok\"}"); }));
  NBA_RETURN_IF_ERROR(s->AddRoute("GET", "/readyz", Scope::kNone, [self](const Request&) { return self->Ready(); }));
  NBA_RETURN_IF_ERROR(s->AddRoute("GET", "/metrics", Scope::kNone, [self](const Request&) {
    Response r = Response::Text(200, self->metrics_.RenderText());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }));
  *out = std::move(s);
  return Status::Ok();
}

std::unique_ptr<HttpService::RouteStats> HttpService::NewStats(const std::string& method, const std::string& route) {
  auto stats = std::make_unique<RouteStats>();
  stats->method = method;
  stats->route = route;
  stats->latency = durations_->Get({method, route});
  return stats;
}

Status HttpService::AddRoute(std::string method, std::string pattern, Scope scope, Handler handler) {
  std::string m = method, p = pattern;
  NBA_RETURN_IF_ERROR(router_.Add(std::move(method), std::move(pattern), scope, std::move(handler)));
  stats_.push_back(NewStats(m, p));
  return Status::Ok();
}

Status HttpService::AddAsyncRoute(std::string method, std::string pattern, Scope scope, AsyncHandler handler) {
  std::string m = method, p = pattern;
  NBA_RETURN_IF_ERROR(router_.Add(std::move(method), std::move(pattern), scope, std::move(handler)));
  stats_.push_back(NewStats(m, p));
  return Status::Ok();
}

Response HttpService::Ready() const {
  std::vector<std::string> failures = readiness_.Failures();
  if (failures.empty()) return Response::Json(200, "{\"status\":\"ready\"}");
  std::string reasons;
  for (const std::string& f : failures) reasons += (reasons.empty() ? "" : "; ") + f;
  return ErrorResponse(503, "not_ready", reasons);
}

// What one request carries from admission to its response; shared by the
// Responder, which may outlive HandleAsync.
struct HttpService::Call {
  std::chrono::steady_clock::time_point start;
  std::string_view traceparent;
  const Route* route = nullptr;
  Principal principal;
  Responder done;
  std::atomic<bool> responded{false};
};

void HttpService::HandleAsync(Request& req, Responder done) {
  auto call = std::make_shared<Call>();
  call->start = std::chrono::steady_clock::now();
  call->done = std::move(done);
  call->traceparent = req.Header("traceparent");
  if (!ParseTraceparent(call->traceparent, &req.request_id)) {
    call->traceparent = {};
    req.request_id = NewRequestId();
  }
  Responder respond = [this, &req, call](Response res) {
    if (call->responded.exchange(true)) return;
    Response out = Finish(req, std::move(res), call->route, call->traceparent, call->start);
    req.principal = nullptr;  // it lives in `call`
    call->done(std::move(out));
  };
  Response early;
  if (!Admit(req, call.get(), &early)) return respond(std::move(early));
  try {
    call->route->handler(req, respond);
  } catch (const std::exception& e) {
    respond(ErrorResponse(500, "internal", std::string("internal error: ") + e.what()));
  }
}

Response HttpService::Handle(Request& req) {
  auto result = std::make_shared<std::promise<Response>>();
  std::future<Response> future = result->get_future();
  HandleAsync(req, [result](Response res) { result->set_value(std::move(res)); });
  return future.get();
}

Response HttpService::Reject(Request& req, int status, std::string_view code, std::string_view message) {
  auto start = std::chrono::steady_clock::now();
  req.request_id = NewRequestId();
  return Finish(req, ErrorResponse(status, code, message), nullptr, {}, start);
}

bool HttpService::Admit(Request& req, Call* call, Response* early) {
  auto reject = [early](Response r) {
    *early = std::move(r);
    return false;
  };
  std::string_view target = req.target;
  size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (!req.path.starts_with('/')) return reject(ErrorResponse(400, "bad_request", "request target must start with '/'"));
  if (q != std::string_view::npos) {
    Status s = ParseQuery(target.substr(q + 1), &req.query);
    if (!s.ok()) return reject(ErrorResponse(400, "bad_request", s.message(), "query"));
  }
  // A preflight matches no method, so `allow` lists every method of the path.
  Router::Match match;
  Status s = router_.Find(CorsPolicy::IsPreflight(req) ? "" : req.method, req.path, &match);
  if (!s.ok()) return reject(ErrorResponse(400, "bad_request", s.message(), "path"));
  if (CorsPolicy::IsPreflight(req)) {
    if (match.allow.empty()) return reject(ErrorResponse(404, "not_found", "no route for " + req.path));
    return reject(cors_.Preflight(req, match.allow));
  }
  if (match.route == nullptr) {
    if (match.allow.empty()) return reject(ErrorResponse(404, "not_found", "no route for " + req.path));
    Response r = ErrorResponse(405, "method_not_allowed", std::string(req.method) + " is not allowed on " +
                                                              req.path + " (allowed: " + match.allow + ")");
    r.headers.emplace_back("Allow", match.allow);
    return reject(std::move(r));
  }
  call->route = match.route;
  req.path_params = std::move(match.params);

  if (match.route->scope != Scope::kNone) {
    Authenticator::Result auth = auth_.Authenticate(req);
    if (auth.outcome != Authenticator::Outcome::kOk) {
      Response r = ErrorResponse(401, "unauthorized", auth.reason);
      r.headers.emplace_back("WWW-Authenticate", auth_.Challenge());
      return reject(std::move(r));
    }
    if (!auth.principal.Has(match.route->scope)) {
      return reject(ErrorResponse(403, "forbidden",
                                  "credential '" + auth.principal.name + "' lacks scope '" +
                                      std::string(ScopeName(match.route->scope)) + "'"));
    }
    call->principal = std::move(auth.principal);
    req.principal = &call->principal;
    if (int wait = limiter_.Acquire(call->principal.name); wait > 0) {
      Response r = ErrorResponse(429, "rate_limited", "rate limit exceeded for '" + call->principal.name + "'");
      r.headers.emplace_back("Retry-After", std::to_string(wait));
      return reject(std::move(r));
    }
  }
  return true;
}

Response HttpService::Finish(Request& req, Response res, const Route* route, std::string_view traceparent,
                             std::chrono::steady_clock::time_point start) {
  cors_.Decorate(req, &res);
  res.headers.emplace_back("X-Request-Id", req.request_id);
  if (!traceparent.empty()) res.headers.emplace_back("traceparent", std::string(traceparent));

  RouteStats& stats = route != nullptr ? *stats_[route->id] : *unmatched_;
  int status = std::clamp(res.status, 100, 599);
  std::atomic<Counter*>& slot = stats.by_status[status - 100];
  Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    counter = requests_->Get({stats.method, stats.route, std::to_string(status)});
    slot.store(counter, std::memory_order_release);
  }
  counter->Inc();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats.latency->Observe(seconds);

  AccessRecord rec;
  rec.request_id = req.request_id;
  rec.method = req.method;
  rec.route = stats.route;
  rec.path = req.path;
  rec.remote = req.remote_address;
  rec.principal = req.principal != nullptr ? std::string_view(req.principal->name) : std::string_view();
  rec.traceparent = traceparent;
  rec.status = res.status;
  rec.duration_ms = seconds * 1000;
  log_->Write(rec);
  return res;
}

}  // namespace nba

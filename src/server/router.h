// Router: maps method + path to a route. Patterns are literal segments and
// whole-segment parameters: "/v1/users/{user_id}/recommendations".
// Routes are added before the server starts; Find is then read-only and safe
// from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "server/http_message.h"

namespace nba {

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // as registered; also the metrics / access log label
  Scope scope;          // what the caller's credential must allow
  AsyncHandler handler;  // sync handlers are wrapped to respond at once
  size_t id;            // dense index in registration order
  std::vector<std::string> segments;  // "{name}" marks a parameter
};

class Router {
 public:
  struct Match {
    const Route* route = nullptr;  // null: no route for this method
    Request::Pairs params;         // decoded path parameters of `route`
    std::string allow;             // "GET, POST" when the path exists under other methods
  };

  // Fails on a malformed pattern or a method + pattern already registered.
  Status Add(std::string method, std::string pattern, Scope scope, AsyncHandler handler);
  Status Add(std::string method, std::string pattern, Scope scope, Handler handler);

  // Fills `m` for a raw (still percent-encoded) path. Fails only on bad
  // percent-encoding. No route and empty `allow` means 404; no route and a
  // non-empty `allow` means 405.
  Status Find(std::string_view method, std::string_view path, Match* m) const;

  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace nba

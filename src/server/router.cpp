#include "server/router.h"

#include <set>

#include "server/url.h"

namespace nba {

static bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

Status Router::Add(std::string method, std::string pattern, Scope scope, Handler handler) {
  return Add(std::move(method), std::move(pattern), scope,
             AsyncHandler([h = std::move(handler)](const Request& req, Responder respond) { respond(h(req)); }));
}

Status Router::Add(std::string method, std::string pattern, Scope scope, AsyncHandler handler) {
  if (method.empty()) return Status::InvalidArgument("route " + pattern + ": empty method");
  if (!pattern.starts_with('/')) {
    return Status::InvalidArgument("route " + pattern + ": pattern must start with '/'");
  }
  auto route = std::make_unique<Route>();
  std::set<std::string_view> names;
  for (std::string_view s : SplitPath(pattern)) {
    bool braces = s.find_first_of("{}") != std::string_view::npos;
    if (braces && !IsParam(s)) {
      return Status::InvalidArgument("route " + pattern + ": segment '" + std::string(s) +
                                     "' must be a whole {param}");
    }
    if (IsParam(s) && !names.insert(s).second) {
      return Status::InvalidArgument("route " + pattern + ": parameter " + std::string(s) +
                                     " appears twice");
    }
    route->segments.emplace_back(s);
  }
  // Patterns that differ only in parameter names match the same paths.
  auto same_shape = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (IsParam(a[i]) != IsParam(b[i]) || (!IsParam(a[i]) && a[i] != b[i])) return false;
    }
    return true;
  };
  for (const auto& r : routes_) {
    if (r->method == method && same_shape(r->segments, route->segments)) {
      return Status::InvalidArgument("route " + method + " " + pattern + ": already registered");
    }
  }
  route->method = std::move(method);
  route->pattern = std::move(pattern);
  route->scope = scope;
  route->handler = std::move(handler);
  route->id = routes_.size();
  routes_.push_back(std::move(route));
  return Status::Ok();
}

Status Router::Find(std::string_view method, std::string_view path, Match* m) const {
  *m = Match();
  std::vector<std::string> decoded;
  for (std::string_view s : SplitPath(path)) {
    NBA_RETURN_IF_ERROR(PercentDecode(s, false, &decoded.emplace_back()));
  }
  for (const auto& r : routes_) {
    if (r->segments.size() != decoded.size()) continue;
    Request::Pairs params;
    bool same = true;
    for (size_t i = 0; i < decoded.size() && same; ++i) {
      const std::string& seg = r->segments[i];
      if (IsParam(seg)) {
        params.emplace_back(seg.substr(1, seg.size() - 2), decoded[i]);
      } else {
        same = seg == decoded[i];
      }
    }
    if (!same) continue;
    if (r->method == method) {
      m->route = r.get();
      m->params = std::move(params);
      m->allow.clear();
      return Status::Ok();
    }
    if (!m->allow.empty()) m->allow += ", ";
    m->allow += r->method;
  }
  return Status::Ok();
}

}  // namespace nba

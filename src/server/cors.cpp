#include "server/cors.h"

#include <algorithm>

namespace nba {

bool CorsPolicy::Allows(std::string_view origin) const {
  if (origin.empty()) return false;
  return std::any_of(origins_.begin(), origins_.end(),
                     [&](const std::string& o) { return o == "*" || o == origin; });
}

bool CorsPolicy::IsPreflight(const Request& req) {
  return req.method == "OPTIONS" && !req.Header("Origin").empty() &&
         !req.Header("Access-Control-Request-Method").empty();
}

void CorsPolicy::Decorate(const Request& req, Response* res) const {
  std::string_view origin = req.Header("Origin");
  if (!Allows(origin)) return;
  res->headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  res->headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id, Retry-After, traceparent");
  res->headers.emplace_back("Vary", "Origin");
}

Response CorsPolicy::Preflight(const Request& req, std::string_view allow) const {
  std::string_view origin = req.Header("Origin");
  if (!Allows(origin)) return ErrorResponse(403, "cors_denied", "origin " + std::string(origin) + " is not allowed");
  std::string_view method = req.Header("Access-Control-Request-Method");
  bool listed = false;
  for (size_t pos = 0; pos < allow.size();) {
    size_t comma = allow.find(", ", pos);
    if (comma == std::string_view::npos) comma = allow.size();
    listed |= allow.substr(pos, comma - pos) == method;
    pos = comma + 2;
  }
  if (!listed) {
    return ErrorResponse(403, "cors_denied", "method " + std::string(method) + " is not allowed on this path");
  }
  Response res;
  res.status = 204;
  res.content_type.clear();
  res.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  res.headers.emplace_back("Access-Control-Allow-Methods", std::string(allow));
  res.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type, X-API-Key, traceparent");
  res.headers.emplace_back("Access-Control-Max-Age", "600");
  res.headers.emplace_back("Vary", "Origin");
  return res;
}

}  // namespace nba

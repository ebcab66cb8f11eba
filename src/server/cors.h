// CORS for the configured origins: the headers a simple request's answer
// carries, and the answer to a preflight (OPTIONS with
// Access-Control-Request-Method).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/http_message.h"

namespace nba {

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> allowed_origins) : origins_(std::move(allowed_origins)) {}

  bool Allows(std::string_view origin) const;

  // True when `req` is a preflight request.
  static bool IsPreflight(const Request& req);

  // Adds Access-Control-Allow-Origin for an allowed Origin header.
  void Decorate(const Request& req, Response* res) const;

  // The answer to a preflight for a path whose routes allow `allow`
  // ("GET, POST"): 204 with the grants, or 403 when the origin or the
  // requested method is not allowed.
  Response Preflight(const Request& req, std::string_view allow) const;

 private:
  std::vector<std::string> origins_;
};

}  // namespace nba

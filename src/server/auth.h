// Authenticator: turns a request's credentials into a Principal.
// API keys arrive as `X-API-Key: <key>` or `Authorization: ApiKey <key>` and
// are compared by SHA-256 (the config never holds a key itself). JWTs arrive
// as `Authorization: Bearer <token>`, HS256 or RS256 as configured; the
// token's `exp` is required and checked, its `scope` claim (space separated)
// gives the scopes and `sub` the name.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"
#include "registry/sha256.h"  // Sha256Hex: what auth.api_keys[].sha256 holds
#include "server/config.h"
#include "server/http_message.h"

namespace nba {

class Authenticator {
 public:
  enum class Outcome { kOk, kMissing, kInvalid };
  struct Result {
    Outcome outcome = Outcome::kMissing;
    Principal principal;  // set when kOk
    std::string reason;   // why the credentials were refused
  };

  // Fails when a key's scope is unknown or JWT is configured without key material.
  static Status Create(const ServerConfig& config, Authenticator* out);

  Result Authenticate(const Request& req) const;

  // The WWW-Authenticate value for 401 answers.
  std::string Challenge() const;

 private:
  Result CheckApiKey(std::string_view key) const;
  Result CheckJwt(const std::string& token) const;

  std::map<std::string, Principal> keys_by_hash_;
  std::string jwt_algorithm_;
  std::string jwt_key_;  // HS256 secret or RS256 public key PEM
};

}  // namespace nba

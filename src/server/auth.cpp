#include "server/auth.h"

#include <jwt.h>

#include <cerrno>
#include <ctime>
#include <memory>
#include <sstream>

namespace nba {

Status Authenticator::Create(const ServerConfig& config, Authenticator* out) {
  NBA_RETURN_IF_ERROR(ValidateConfig(config));
  Authenticator a;
  for (const ApiKeyConfig& k : config.api_keys) {
    Principal p{k.name, 0};
    for (const std::string& name : k.scopes) {
      Scope s;
      if (!ParseScope(name, &s)) {
        return Status::InvalidArgument("auth.api_keys " + k.name + ": unknown scope '" + name + "'");
      }
      p.scopes |= static_cast<uint32_t>(s);
    }
    a.keys_by_hash_[k.sha256_hex] = p;
  }
  a.jwt_algorithm_ = config.jwt.algorithm;
  a.jwt_key_ = config.jwt.algorithm == "HS256" ? config.jwt.secret : config.jwt.public_key_pem;
  *out = std::move(a);
  return Status::Ok();
}

static Authenticator::Result Refuse(std::string reason) {
  return {Authenticator::Outcome::kInvalid, {}, std::move(reason)};
}

Authenticator::Result Authenticator::Authenticate(const Request& req) const {
  std::string_view key = req.Header("X-API-Key");
  if (!key.empty()) return CheckApiKey(key);
  std::string_view auth = req.Header("Authorization");
  if (auth.empty()) return {Outcome::kMissing, {}, "no credentials (X-API-Key or Authorization header)"};
  size_t space = auth.find(' ');
  std::string_view kind = auth.substr(0, space);
  std::string_view value = space == std::string_view::npos ? std::string_view() : auth.substr(space + 1);
  if (kind == "ApiKey") return CheckApiKey(value);
  if (kind == "Bearer") {
    if (jwt_algorithm_.empty()) return Refuse("bearer tokens are not accepted by this server");
    return CheckJwt(std::string(value));
  }
  return Refuse("unsupported Authorization scheme '" + std::string(kind) + "'");
}

Authenticator::Result Authenticator::CheckApiKey(std::string_view key) const {
  // The hash is the lookup key, so timing reveals nothing about a stored key.
  auto it = keys_by_hash_.find(Sha256Hex(key));
  if (it == keys_by_hash_.end()) return Refuse("unknown API key");
  return {Outcome::kOk, it->second, {}};
}

Authenticator::Result Authenticator::CheckJwt(const std::string& token) const {
  jwt_t* raw = nullptr;
  int rc = jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(jwt_key_.data()),
                      static_cast<int>(jwt_key_.size()));
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
  if (rc != 0 || raw == nullptr) return Refuse("invalid token (bad format or signature)");
  // The header names the algorithm; accepting another than configured would
  // let "none" or an HS256-signed-with-the-public-key token through.
  jwt_alg_t want = jwt_algorithm_ == "HS256" ? JWT_ALG_HS256 : JWT_ALG_RS256;
  if (jwt_get_alg(raw) != want) return Refuse("token algorithm is not " + jwt_algorithm_);
  errno = 0;
  long exp = jwt_get_grant_int(raw, "exp");
  if (errno == ENOENT) return Refuse("token has no exp claim");
  if (exp <= static_cast<long>(std::time(nullptr))) return Refuse("token expired");
  Principal p;
  const char* sub = jwt_get_grant(raw, "sub");
  p.name = std::string("jwt:") + (sub != nullptr ? sub : "");
  const char* scope = jwt_get_grant(raw, "scope");
  std::istringstream scopes(scope != nullptr ? scope : "");
  std::string name;
  while (scopes >> name) {
    Scope s;
    if (ParseScope(name, &s)) p.scopes |= static_cast<uint32_t>(s);
  }
  return {Outcome::kOk, std::move(p), {}};
}

std::string Authenticator::Challenge() const {
  std::string c = "ApiKey realm=\"nba\"";
  if (!jwt_algorithm_.empty()) c += ", Bearer realm=\"nba\"";
  return c;
}

}  // namespace nba

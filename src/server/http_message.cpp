#include "server/http_message.h"

#include <strings.h>

#include "server/json_text.h"

namespace nba {

std::string_view ScopeName(Scope s) {
  switch (s) {
    case Scope::kNone: return "none";
    case Scope::kIngest: return "ingest";
    case Scope::kRecommend: return "recommend";
    case Scope::kAdmin: return "admin";
  }
  return "unknown";
}

bool ParseScope(std::string_view name, Scope* out) {
  for (Scope s : {Scope::kIngest, Scope::kRecommend, Scope::kAdmin}) {
    if (name == ScopeName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

static const std::string* Find(const Request::Pairs& pairs, std::string_view name) {
  for (const auto& [k, v] : pairs) {
    if (k == name) return &v;
  }
  return nullptr;
}

const std::string* Request::Query(std::string_view name) const { return Find(query, name); }
const std::string* Request::PathParam(std::string_view name) const { return Find(path_params, name); }

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response ErrorResponse(int status, std::string_view code, std::string_view message,
                       std::string_view field) {
  std::string body = "{\"error\":{\"code\":";
  AppendJsonString(&body, code);
  body += ",\"message\":";
  AppendJsonString(&body, message);
  if (!field.empty()) {
    body += ",\"field\":";
    AppendJsonString(&body, field);
  }
  body += "}}";
  return Response::Json(status, std::move(body));
}

}  // namespace nba

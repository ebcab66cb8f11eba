// The demo shop at /demo: the embedded web/ files, plus two answers made
// from the running server that the page needs before it can use the SDK:
//   GET /demo                 301 to /demo/ (the pages use relative URLs)
//   GET /demo/                web/index.html
//   GET /demo/<path>          the embedded file web/<path>
//   GET /demo/config.json     {"endpoint": "", "api_key": "<demo key>"}
//   GET /demo/catalog.json    the catalogue, from DemoOptions::catalog_json
// All routes are public (Scope::kNone): the demo key is meant to be seen by
// every visitor, as any key a shop puts in its pages is, so it must carry
// the ingest and recommend scopes only.
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "server/http_service.h"

namespace nba {

struct DemoOptions {
  // An API key (the key itself, not its hash) with scopes ingest + recommend.
  std::string api_key;
  // The catalogue as JSON: {"items": [<item as GET /v1/items/{id} answers>, ...]}.
  // Called on every GET /demo/catalog.json.
  std::function<std::string()> catalog_json;
};

// Fails when the key or the callback is missing, or a route is already taken.
Status AddDemoRoutes(HttpService* service, const DemoOptions& options);

}  // namespace nba

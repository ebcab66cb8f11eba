#include "web/demo_routes.h"

#include <nlohmann/json.hpp>

#include "web/content_type.h"
#include "web/embedded_files.h"

namespace nba {

namespace {

// Pages and scripts change with the binary: the browser revalidates each time.
Response StaticFile(const EmbeddedFile& file) {
  Response res;
  res.content_type = ContentTypeFor(file.path);
  res.body = std::string(file.data);
  res.headers.emplace_back("Cache-Control", "no-cache");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return res;
}

}  // namespace

Status AddDemoRoutes(HttpService* service, const DemoOptions& options) {
  if (options.api_key.empty()) return Status::InvalidArgument("demo: api_key is empty");
  if (!options.catalog_json) return Status::InvalidArgument("demo: catalog_json is not set");

  NBA_RETURN_IF_ERROR(service->AddRoute("GET", "/demo", Scope::kNone, [](const Request&) {
    Response res = Response::Text(301, "moved to /demo/\n");
    res.headers.emplace_back("Location", "/demo/");
    return res;
  }));
  for (const EmbeddedFile& file : EmbeddedWebFiles()) {
    NBA_RETURN_IF_ERROR(service->AddRoute("GET", "/demo/" + std::string(file.path), Scope::kNone,
                                          [&file](const Request&) { return StaticFile(file); }));
    if (file.path == "index.html") {
      NBA_RETURN_IF_ERROR(
          service->AddRoute("GET", "/demo/", Scope::kNone, [&file](const Request&) { return StaticFile(file); }));
    }
  }
  const std::string config = nlohmann::json{{"endpoint", ""}, {"api_key", options.api_key}}.dump();
  NBA_RETURN_IF_ERROR(service->AddRoute("GET", "/demo/config.json", Scope::kNone, [config](const Request&) {
    Response res = Response::Json(200, config);
    res.headers.emplace_back("Cache-Control", "no-store");
    return res;
  }));
  return service->AddRoute("GET", "/demo/catalog.json", Scope::kNone,
                           [catalog = options.catalog_json](const Request&) {
                             Response res = Response::Json(200, catalog());
                             res.headers.emplace_back("Cache-Control", "no-cache");
                             return res;
                           });
}

}  // namespace nba

// docs/openapi.yaml against the routes a real Engine registers (demo shop
// on), both ways: every documented operation is served with the documented
// scope, and every served route is documented.
#include <algorithm>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "engine_testing.h"
#include "web/embedded_files.h"

namespace nba::testing {
namespace {

// "/v1/items/{id}" -> "/v1/items/{}": parameter names do not change what a
// path matches.
std::string Shape(const std::string& pattern) { return std::regex_replace(pattern, std::regex("\\{[^}]*\\}"), "{}"); }

struct Operation {
  std::string scope;   // x-scope, or "none" for `security: []`
  std::string target;  // the path with each parameter's example (or "x")
  bool static_files = false;  // x-static-files: served as one route per file
};

struct Document {
  std::map<std::string, Operation> ops;  // "METHOD shape"
  // Prefixes ("/demo/") under which an `x-static-files` operation stands for
  // one public GET route per embedded file.
  std::vector<std::string> static_prefixes;
};

Document Read(const YAML::Node& doc) {
  Document d;
  for (const auto& path : doc["paths"]) {
    const std::string pattern = path.first.as<std::string>();
    for (const auto& op : path.second) {
      std::string method = op.first.as<std::string>();
      if (method == "parameters" || method == "summary" || method == "description" || method == "servers") continue;
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      const YAML::Node security = op.second["security"];
      Operation o;
      o.scope = security && security.IsSequence() && security.size() == 0
                    ? "none"
                    : (op.second["x-scope"] ? op.second["x-scope"].as<std::string>() : "");
      o.target = pattern;
      for (const auto& p : op.second["parameters"]) {
        if (!p["in"] || p["in"].as<std::string>() != "path") continue;  // a $ref or not in the path
        const YAML::Node example = p["schema"]["example"];
        o.target = std::regex_replace(o.target, std::regex("\\{" + p["name"].as<std::string>() + "\\}"),
                                      example ? example.as<std::string>() : "x");
      }
      o.target = std::regex_replace(o.target, std::regex("\\{[^}]*\\}"), "x");
      o.static_files = op.second["x-static-files"].IsDefined();
      if (o.static_files) d.static_prefixes.push_back(pattern.substr(0, pattern.find('{')));
      d.ops[method + " " + Shape(pattern)] = o;
    }
  }
  return d;
}

// A public GET of one embedded web/ file under a static-files prefix.
bool IsStaticFile(const Document& d, const Route& r) {
  if (r.method != "GET" || r.scope != Scope::kNone) return false;
  for (const std::string& prefix : d.static_prefixes) {
    for (const EmbeddedFile& f : EmbeddedWebFiles()) {
      if (r.pattern == prefix + std::string(f.path)) return true;
    }
  }
  return false;
}

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(yaml_ = YAML::LoadFile(std::string(NBA_SOURCE_DIR) + "/docs/openapi.yaml"));
    ASSERT_TRUE(yaml_["openapi"].as<std::string>().starts_with("3.0")) << "expected an OpenAPI 3.0 document";
    doc_ = Read(yaml_);
    ASSERT_FALSE(doc_.ops.empty());
    engine_.config.features["demo"] = true;
    engine_.Start();
  }

  const std::vector<std::unique_ptr<Route>>& routes() { return engine_.engine->service().routes(); }

  YAML::Node yaml_;
  Document doc_;
  TestEngine engine_;
};

TEST_F(OpenApiTest, EveryDocumentedOperationIsServedWithItsScope) {
  std::map<std::string, std::string> served;
  for (const auto& r : routes()) {
    served[r->method + " " + Shape(r->pattern)] = r->scope == Scope::kNone ? "none" : std::string(ScopeName(r->scope));
  }
  for (const auto& [op, o] : doc_.ops) {
    if (o.static_files) continue;  // checked below
    auto it = served.find(op);
    if (it == served.end()) {
      ADD_FAILURE() << "documented in docs/openapi.yaml but not served: " << op;
      continue;
    }
    EXPECT_EQ(o.scope, it->second) << op << ": x-scope (or security: [] for public) differs from the route's scope";
  }
  for (const std::string& prefix : doc_.static_prefixes) {
    EXPECT_TRUE(std::any_of(routes().begin(), routes().end(),
                            [&](const auto& r) { return r->pattern.starts_with(prefix) && IsStaticFile(doc_, *r); }))
        << "documented static files under " << prefix << " but none is served";
  }
}

TEST_F(OpenApiTest, EveryServedRouteIsDocumented) {
  for (const auto& r : routes()) {
    EXPECT_TRUE(doc_.ops.count(r->method + " " + Shape(r->pattern)) || IsStaticFile(doc_, *r))
        << "served but missing from docs/openapi.yaml: " << r->method << " " << r->pattern;
  }
}

// Over HTTP, without credentials: a public operation is answered by its
// route (never 404/405), a scoped one asks for credentials (401).
TEST_F(OpenApiTest, DocumentedOperationsAnswerOverHttp) {
  for (const auto& [op, o] : doc_.ops) {
    const std::string method = op.substr(0, op.find(' '));
    HttpReply r = Call(engine_.port, Raw(method, o.target, method == "GET" || method == "DELETE" ? "" : "{}"));
    if (o.scope == "none") {
      EXPECT_NE(r.status, 404) << op << " as " << o.target;
      EXPECT_NE(r.status, 405) << op << " as " << o.target;
    } else {
      EXPECT_EQ(r.status, 401) << op << ": " << r.body;
      EXPECT_FALSE(r.headers["www-authenticate"].empty()) << op;
    }
  }
}

}  // namespace
}  // namespace nba::testing

// docs/openapi.yaml against the routes a real Engine registers, both ways:
// every documented operation is served with the documented scope, and every
// served route is documented.
#include <algorithm>
#include <map>
#include <regex>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "engine_testing.h"

namespace nba::testing {
namespace {

// "/v1/items/{id}" -> "/v1/items/{}": parameter names do not change what a
// path matches.
std::string Shape(const std::string& pattern) { return std::regex_replace(pattern, std::regex("\\{[^}]*\\}"), "{}"); }

// "METHOD shape" -> scope name ("none" for public operations).
using Operations = std::map<std::string, std::string>;

Operations Documented(const YAML::Node& doc) {
  Operations ops;
  for (const auto& path : doc["paths"]) {
    for (const auto& op : path.second) {
      std::string method = op.first.as<std::string>();
      if (method == "parameters" || method == "summary" || method == "description") continue;
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      const YAML::Node security = op.second["security"];
      const bool is_public = security && security.IsSequence() && security.size() == 0;
      const std::string scope = op.second["x-scope"] ? op.second["x-scope"].as<std::string>() : "";
      ops[method + " " + Shape(path.first.as<std::string>())] = is_public ? "none" : scope;
    }
  }
  return ops;
}

Operations Served(const HttpService& service) {
  Operations ops;
  for (const auto& r : service.routes()) {
    ops[r->method + " " + Shape(r->pattern)] = r->scope == Scope::kNone ? "none" : std::string(ScopeName(r->scope));
  }
  return ops;
}

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(doc_ = YAML::LoadFile(std::string(NBA_SOURCE_DIR) + "/docs/openapi.yaml"));
    ASSERT_TRUE(doc_["openapi"].as<std::string>().starts_with("3.0")) << "expected an OpenAPI 3.0 document";
    engine_.Start();
  }

  YAML::Node doc_;
  TestEngine engine_;
};

TEST_F(OpenApiTest, EveryDocumentedOperationIsServedWithItsScope) {
  Operations served = Served(engine_.engine->service());
  Operations documented = Documented(doc_);
  ASSERT_FALSE(documented.empty());
  for (const auto& [op, scope] : documented) {
    auto it = served.find(op);
    if (it == served.end()) {
      ADD_FAILURE() << "documented in docs/openapi.yaml but not served: " << op;
      continue;
    }
    EXPECT_EQ(scope, it->second) << op << ": x-scope (or security: [] for public) differs from the route's scope";
  }
}

TEST_F(OpenApiTest, EveryServedRouteIsDocumented) {
  Operations documented = Documented(doc_);
  for (const auto& r : engine_.engine->service().routes()) {
    EXPECT_TRUE(documented.count(r->method + " " + Shape(r->pattern)))
        << "served but missing from docs/openapi.yaml: " << r->method << " " << r->pattern;
  }
}

// Over HTTP, without credentials: a public operation is answered by its
// route (never 404/405), a scoped one asks for credentials (401).
TEST_F(OpenApiTest, DocumentedOperationsAnswerOverHttp) {
  for (const auto& [op, scope] : Documented(doc_)) {
    const std::string method = op.substr(0, op.find(' '));
    const std::string target = std::regex_replace(op.substr(op.find(' ') + 1), std::regex("\\{\\}"), "x");
    HttpReply r = Call(engine_.port, Raw(method, target, method == "GET" || method == "DELETE" ? "" : "{}"));
    if (scope == "none") {
      EXPECT_NE(r.status, 404) << op;
      EXPECT_NE(r.status, 405) << op;
    } else {
      EXPECT_EQ(r.status, 401) << op << ": " << r.body;
      EXPECT_FALSE(r.headers["www-authenticate"].empty()) << op;
    }
  }
}

}  // namespace
}  // namespace nba::testing

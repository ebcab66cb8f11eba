#include "web/demo_routes.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "web/content_type.h"
#include "web/embedded_files.h"

namespace nba {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string HeaderOf(const Response& res, const std::string& name) {
  for (const auto& [k, v] : res.headers) {
    if (k == name) return v;
  }
  return "";
}

class DemoRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig config;
    config.access_log = "off";
    config.api_keys.push_back({"admin", Sha256Hex("admin-key"), {"admin"}});
    ASSERT_TRUE(HttpService::Create(config, &service_).ok());
    DemoOptions options;
    options.api_key = "demo-key";
    options.catalog_json = [this] {
      ++catalog_calls_;
      return R"({"items":[{"id":"i1","price":2.5}]})";
    };
    Status s = AddDemoRoutes(service_.get(), options);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  Response Get(const std::string& target, const std::string& method = "GET") {
    Request req;
    req.method = method;
    req.target = target;
    return service_->Handle(req);
  }

  std::unique_ptr<HttpService> service_;
  int catalog_calls_ = 0;
};

TEST_F(DemoRoutesTest, EmbedsEveryFileOfWebAsItIsOnDisk) {
  const fs::path web = fs::path(NBA_SOURCE_DIR) / "web";
  std::set<std::string> on_disk, embedded;
  for (const auto& entry : fs::recursive_directory_iterator(web)) {
    if (entry.is_regular_file()) on_disk.insert(entry.path().lexically_relative(web).generic_string());
  }
  for (const EmbeddedFile& f : EmbeddedWebFiles()) embedded.insert(std::string(f.path));
  EXPECT_EQ(embedded, on_disk);
  EXPECT_TRUE(embedded.count("index.html"));
  EXPECT_TRUE(embedded.count("sdk/index.js"));
  for (const EmbeddedFile& f : EmbeddedWebFiles()) {
    Response res = Get("/demo/" + std::string(f.path));
    EXPECT_EQ(res.status, 200) << f.path;
    EXPECT_EQ(res.body, ReadFile(web / f.path)) << f.path;
    EXPECT_EQ(res.content_type, ContentTypeFor(f.path)) << f.path;
    EXPECT_EQ(HeaderOf(res, "X-Content-Type-Options"), "nosniff");
  }
}

TEST_F(DemoRoutesTest, ServesTheHomePageWithoutCredentials) {
  Response root = Get("/demo");
  EXPECT_EQ(root.status, 301);
  EXPECT_EQ(HeaderOf(root, "Location"), "/demo/");
  Response home = Get("/demo/");
  EXPECT_EQ(home.status, 200);
  EXPECT_EQ(home.content_type, "text/html; charset=utf-8");
  EXPECT_NE(home.body.find("<script type=\"module\" src=\"shop.js\">"), std::string::npos);
  EXPECT_EQ(Get("/demo/sdk/tracker.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/demo/style.css").content_type, "text/css; charset=utf-8");
}

TEST_F(DemoRoutesTest, ConfigCarriesTheDemoKeyAndTheSameOrigin) {
  Response res = Get("/demo/config.json");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(HeaderOf(res, "Cache-Control"), "no-store");
  EXPECT_EQ(nlohmann::json::parse(res.body), (nlohmann::json{{"endpoint", ""}, {"api_key", "demo-key"}}));
}

TEST_F(DemoRoutesTest, CatalogueIsReadOnEveryRequest) {
  EXPECT_EQ(Get("/demo/catalog.json").body, R"({"items":[{"id":"i1","price":2.5}]})");
  Get("/demo/catalog.json");
  EXPECT_EQ(catalog_calls_, 2);
}

TEST_F(DemoRoutesTest, UnknownFilesAndOtherMethodsAreRefused) {
  EXPECT_EQ(Get("/demo/nope.js").status, 404);
  EXPECT_EQ(Get("/demo/sdk/").status, 404);
  EXPECT_EQ(Get("/demo/../CMakeLists.txt").status, 404);
  EXPECT_EQ(Get("/demo/%2e%2e/CMakeLists.txt").status, 404);
  EXPECT_EQ(Get("/demo/index.html", "POST").status, 405);
  // The API around the demo still wants its credentials.
  EXPECT_EQ(Get("/v1/anything").status, 404);
}

TEST(AddDemoRoutesTest, RefusesMissingOptionsAndASecondRegistration) {
  ServerConfig config;
  config.access_log = "off";
  std::unique_ptr<HttpService> service;
  ASSERT_TRUE(HttpService::Create(config, &service).ok());
  DemoOptions options;
  options.catalog_json = [] { return std::string("{}"); };
  Status s = AddDemoRoutes(service.get(), options);
  EXPECT_TRUE(s.code() == Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("api_key"), std::string::npos);

  options.api_key = "k";
  options.catalog_json = nullptr;
  s = AddDemoRoutes(service.get(), options);
  EXPECT_NE(s.message().find("catalog_json"), std::string::npos) << s.ToString();

  options.catalog_json = [] { return std::string("{}"); };
  ASSERT_TRUE(AddDemoRoutes(service.get(), options).ok());
  s = AddDemoRoutes(service.get(), options);
  EXPECT_NE(s.message().find("already registered"), std::string::npos) << s.ToString();
}

TEST(ContentTypeTest, MapsExtensionsAndRefusesToGuess) {
  EXPECT_EQ(ContentTypeFor("a/b/c.json"), "application/json");
  EXPECT_EQ(ContentTypeFor("logo.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("shot.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("README"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("x.html.bak"), "application/octet-stream");
}

}  // namespace
}  // namespace nba

// The catalogue: validation, durability across a restart, and its routes over
// real HTTP on loopback.
#include "catalog/catalog.h"

#include <nlohmann/json.hpp>

#include "../registry/temp_dir.h"
#include "../server/test_http.h"
#include "catalog/catalog_routes.h"
#include "server/auth.h"

namespace nba {
namespace {

Status Parse(const std::string& text, Item* item, std::string* field, const std::string& id = "") {
  return ParseItem(nlohmann::json::parse(text), id, item, field);
}

TEST(ItemTest, ParsesEveryFieldAndDerivesStock) {
  Item item;
  std::string field;
  ASSERT_TRUE(Parse(R"({"id":"a","category":"shoes","price":9.5,"currency":"EUR","stock":0,"min_age":18,)"
                    R"("active":false,"tags":["x","y"]})",
                    &item, &field)
                  .ok());
  EXPECT_EQ(item.category, "shoes");
  EXPECT_EQ(item.price, 9.5);
  EXPECT_FALSE(item.in_stock);  // stock 0 and no explicit in_stock
  EXPECT_FALSE(item.Available());
  EXPECT_EQ(item.min_age, 18);
  EXPECT_FALSE(item.active);
  EXPECT_EQ(item.tags.size(), 2u);
  Item back;
  ASSERT_TRUE(ParseItem(ItemToJson(item), "", &back, &field).ok());
  EXPECT_EQ(ItemToJson(back), ItemToJson(item));
}

TEST(ItemTest, RejectsBadFieldsNamingThem) {
  Item item;
  std::string field;
  EXPECT_FALSE(Parse(R"({"id":"a","price":-1})", &item, &field).ok());
  EXPECT_EQ(field, "price");
  EXPECT_FALSE(Parse(R"({"id":"a","price":1,"tags":["x",3]})", &item, &field).ok());
  EXPECT_EQ(field, "tags[1]");
  EXPECT_FALSE(Parse(R"({"id":"a","instock":true})", &item, &field).ok());
  EXPECT_EQ(field, "instock");
  EXPECT_FALSE(Parse(R"({"id":"a","currency":"euro"})", &item, &field).ok());
  EXPECT_EQ(field, "currency");
  EXPECT_FALSE(Parse(R"({"id":"b"})", &item, &field, "a").ok());
  EXPECT_EQ(field, "id");
  EXPECT_FALSE(Parse(R"({"price":1})", &item, &field).ok());
  EXPECT_EQ(field, "id");
  EXPECT_FALSE(Parse(R"({"id":"a","min_age":200})", &item, &field).ok());
  EXPECT_EQ(field, "min_age");
}

TEST(CatalogTest, ChangesBumpTheVersionAndSurviveARestart) {
  testing::TempDir dir;
  {
    std::unique_ptr<Catalog> c;
    ASSERT_TRUE(Catalog::Open(dir / "catalog", &c).ok());
    EXPECT_EQ(c->version(), 0u);
    std::vector<Item> items(3);
    for (int i = 0; i < 3; ++i) {
      items[i].id = "i" + std::to_string(i);
      items[i].price = i + 1;
    }
    ASSERT_TRUE(c->Put(items).ok());
    const uint64_t v1 = c->version();
    EXPECT_GT(v1, 0u);
    items[1].price = 42;
    ASSERT_TRUE(c->Put({&items[1], 1}).ok());
    EXPECT_GT(c->version(), v1);
    ASSERT_TRUE(c->Delete("i0").ok());
    EXPECT_EQ(c->Delete("i0").code(), Status::Code::kNotFound);
  }
  std::unique_ptr<Catalog> c;
  ASSERT_TRUE(Catalog::Open(dir / "catalog", &c).ok());
  EXPECT_EQ(c->size(), 2u);
  Item item;
  EXPECT_FALSE(c->Get("i0", &item));
  ASSERT_TRUE(c->Get("i1", &item));
  EXPECT_EQ(item.price, 42);
  EXPECT_EQ(c->version(), 5u);  // 3 puts, 1 put, 1 delete
}

class CatalogRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Catalog::Open(dir_ / "catalog", &catalog_).ok());
    ServerConfig config = TestConfig();
    config.api_keys = {{"ops", Sha256Hex("admin-key"), {"admin", "recommend"}},
                       {"shop", Sha256Hex("shop-key"), {"recommend"}}};
    server_ = std::make_unique<TestServer>(config);
    ASSERT_TRUE(AddCatalogRoutes(catalog_.get(), server_->service.get()).ok());
    server_->Start();
  }
  HttpReply Send(const std::string& method, const std::string& target, const std::string& body,
                 const std::string& key = "admin-key") {
    return Call(server_->port, method + " " + target + " HTTP/1.1\r\nHost: t\r\nX-API-Key: " + key +
                                   "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  testing::TempDir dir_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(CatalogRoutesTest, PutGetDelete) {
  HttpReply r = Send("PUT", "/v1/items/shoe%201", R"({"category":"shoes","price":20,"stock":3})");
  ASSERT_EQ(r.status, 200) << r.body;
  r = Send("GET", "/v1/items/shoe%201", "", "shop-key");
  ASSERT_EQ(r.status, 200);
  nlohmann::json j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["id"], "shoe 1");
  EXPECT_EQ(j["stock"], 3);
  EXPECT_EQ(j["in_stock"], true);
  EXPECT_EQ(Send("DELETE", "/v1/items/shoe%201", "").status, 204);
  EXPECT_EQ(Send("GET", "/v1/items/shoe%201", "").status, 404);
  EXPECT_EQ(Send("DELETE", "/v1/items/shoe%201", "").status, 404);
}

TEST_F(CatalogRoutesTest, BadInputIs400WithFieldAndWritesNeedAdmin) {
  HttpReply r = Send("PUT", "/v1/items/a", R"({"price":"cheap"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["field"], "price");
  EXPECT_EQ(Send("PUT", "/v1/items/a", "{not json").status, 400);
  EXPECT_EQ(Send("PUT", "/v1/items/a", R"({"price":1})", "shop-key").status, 403);
  EXPECT_EQ(Send("POST", "/v1/items", "[]").status, 400);
  EXPECT_EQ(catalog_->size(), 0u);
}

TEST_F(CatalogRoutesTest, BulkKeepsGoodItemsAndReportsBadOnesByIndex) {
  HttpReply r = Send("POST", "/v1/items",
                     R"([{"id":"a","price":1},{"id":"b","price":-3},{"id":"c","price":2,"tags":[1]}, {"id":"d","price":4}])");
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["accepted"], 2);
  ASSERT_EQ(j["errors"].size(), 2u);
  EXPECT_EQ(j["errors"][0]["index"], 1);
  EXPECT_EQ(j["errors"][0]["field"], "price");
  EXPECT_EQ(j["errors"][1]["index"], 2);
  EXPECT_EQ(j["errors"][1]["field"], "tags[0]");
  Item item;
  EXPECT_TRUE(catalog_->Get("a", &item));
  EXPECT_FALSE(catalog_->Get("b", &item));
  EXPECT_TRUE(catalog_->Get("d", &item));
}

}  // namespace
}  // namespace nba

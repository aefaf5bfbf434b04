// The catalog over HTTP: PUT validates every item before storing any, GET pages in id order,
// DELETE, and scopes.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

class CatalogApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start_status().ok()) << server_.start_status().ToString();
  }
  ClientResponse Put(const std::string& body) {
    return http_.Request("PUT", "/v1/catalog/items", body,
                         {{"Authorization", BasicAuth(kAdminKey)}});
  }

  TestServer server_;
  HttpClient http_{server_.port()};
};

TEST_F(CatalogApiTest, PutGetListAndDelete) {
  auto put = Put(R"({"items":[
      {"id":"sku-2","name":"Umbrella","category":"rain gear","price":"19.99","currency":"EUR",
       "available":true,"tags":["Rain","autumn"]},
      {"id":"sku-1","price":5},
      {"id":"sku-3","available":false}]})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json::parse(put.body).at("upserted").as_int64(), 3);

  auto got = http_.Get("/v1/catalog/items/sku-2", BasicAuth(kReadKey));
  ASSERT_EQ(got.status, 200) << got.body;
  json::object item = json::parse(got.body).as_object();
  EXPECT_EQ(item.at("name").as_string(), "Umbrella");
  EXPECT_DOUBLE_EQ(item.at("price").as_double(), 19.99);
  EXPECT_EQ(json::serialize(item.at("tags")), R"(["rain","autumn"])");
  EXPECT_EQ(item.at("source").as_string(), "api");
  EXPECT_TRUE(json::parse(http_.Get("/v1/catalog/items/sku-1", BasicAuth(kReadKey)).body)
                  .at("name")
                  .is_null());

  auto first = http_.Get("/v1/catalog/items?limit=2", BasicAuth(kReadKey));
  ASSERT_EQ(first.status, 200);
  json::object page = json::parse(first.body).as_object();
  ASSERT_EQ(page.at("items").as_array().size(), 2u);
  EXPECT_EQ(page.at("items").as_array()[0].at("id").as_string(), "sku-1");
  const std::string cursor(page.at("nextCursor").as_string());
  auto second = http_.Get("/v1/catalog/items?limit=2&cursor=" + cursor, BasicAuth(kReadKey));
  page = json::parse(second.body).as_object();
  ASSERT_EQ(page.at("items").as_array().size(), 1u);
  EXPECT_EQ(page.at("items").as_array()[0].at("id").as_string(), "sku-3");
  EXPECT_TRUE(page.at("nextCursor").is_null());

  auto deleted = http_.Request("DELETE", "/v1/catalog/items/sku-3", "",
                               {{"Authorization", BasicAuth(kAdminKey)}});
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(http_.Get("/v1/catalog/items/sku-3", BasicAuth(kReadKey)).status, 404);
  EXPECT_EQ(http_
                .Request("DELETE", "/v1/catalog/items/sku-3", "",
                         {{"Authorization", BasicAuth(kAdminKey)}})
                .status,
            404);
}

TEST_F(CatalogApiTest, ABadItemStoresNothingAndSaysWhere) {
  for (const char* body :
       {R"({"items":[{"id":"ok"},{"id":"bad","price":-1}]})", R"({"items":[{"id":"ok"},{}]})",
        R"({"items":[{"id":"ok","colour":"red"}]})", R"({"items":[{"id":"ok","currency":"eur"}]})",
        R"({"items":[{"id":"ok","tags":[1]}]})", R"({"items":[{"id":"ok"},{"id":"ok"}]})",
        R"({"items":[]})", R"({"items":{}})", R"({"things":[]})", "nope"}) {
    auto response = Put(body);
    EXPECT_EQ(response.status, 400) << body << ": " << response.body;
  }
  auto response = Put(R"({"items":[{"id":"ok"},{"id":"bad","price":-1}]})");
  EXPECT_NE(response.body.find("items[1]"), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("price"), std::string::npos) << response.body;
  EXPECT_EQ(http_.Get("/v1/catalog/items/ok", BasicAuth(kReadKey)).status, 404);
  EXPECT_EQ(http_.Get("/v1/catalog/items?limit=0", BasicAuth(kReadKey)).status, 400);
}

TEST_F(CatalogApiTest, ScopesAreEnforced) {
  EXPECT_EQ(http_.Get("/v1/catalog/items").status, 401);
  EXPECT_EQ(http_
                .Request("PUT", "/v1/catalog/items", R"({"items":[{"id":"x"}]})",
                         {{"Authorization", BasicAuth(kReadKey)}})
                .status,
            403);
  EXPECT_EQ(http_.Get("/v1/catalog/items", BasicAuth(kWriteKey)).status, 403);
}

}  // namespace
}  // namespace mercato::testing

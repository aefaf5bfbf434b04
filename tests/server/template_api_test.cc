// Message templates over HTTP: every part checked before storing, versions, partials from the
// store, previews with given data and with a customer's own data (audited), and scopes.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

class TemplateApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start_status().ok()) << server_.start_status().ToString();
  }
  ClientResponse Admin(const std::string& method, const std::string& path,
                       const std::string& body = "") {
    return http_.Request(method, path, body, {{"Authorization", BasicAuth(kAdminKey)}});
  }

  TestServer server_;
  HttpClient http_{server_.port()};
};

TEST_F(TemplateApiTest, StoresCheckedTemplatesAndRendersPreviews) {
  auto bad = Admin("PUT", "/v1/templates/cart",
                   R"({"name": "Cart", "text": "ok", "html": "<p>{{#items}}{{name}}</p>"})");
  ASSERT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("html: line 1, column 4: section 'items' is never closed"),
            std::string::npos)
      << bad.body;
  EXPECT_EQ(Admin("PUT", "/v1/templates/cart", R"({"name": "Cart"})").status, 400);
  EXPECT_EQ(Admin("PUT", "/v1/templates/Bad%20Id", R"({"name": "X", "text": "x"})").status, 400);
  EXPECT_EQ(Admin("GET", "/v1/templates/cart").status, 404);

  auto footer =
      Admin("PUT", "/v1/templates/footer",
            R"({"name": "Footer", "text": "-- {{shop}}", "html": "<footer>{{shop}}</footer>"})");
  ASSERT_EQ(footer.status, 201) << footer.body;
  const std::string cart = R"({"name": "Cart", "subject": "{{first_name}}, your cart",
      "text": "{{#items}}- {{name}}\n{{/items}}{{> footer}}",
      "html": "<ul>{{#items}}<li>{{name}}</li>{{/items}}</ul>{{> footer}}"})";
  ASSERT_EQ(Admin("PUT", "/v1/templates/cart", cart).status, 201);
  auto replaced = Admin("PUT", "/v1/templates/cart", cart);
  ASSERT_EQ(replaced.status, 200);
  EXPECT_EQ(json::parse(replaced.body).at("version").as_int64(), 2);

  auto preview = Admin("POST", "/v1/templates/cart/preview",
                       R"({"data": {"first_name": "Ada\r\nBcc: x", "shop": "Tom & Co",
                                    "items": [{"name": "<Boots>"}, {"name": "Hat"}]}})");
  ASSERT_EQ(preview.status, 200) << preview.body;
  json::object out = json::parse(preview.body).as_object();
  EXPECT_EQ(out.at("subject").as_string(), "Ada  Bcc: x, your cart");  // no header injection
  EXPECT_EQ(out.at("text").as_string(), "- <Boots>\n- Hat\n-- Tom & Co");
  EXPECT_EQ(out.at("html").as_string(),
            "<ul><li>&lt;Boots&gt;</li><li>Hat</li></ul><footer>Tom &amp; Co</footer>");
  EXPECT_TRUE(out.at("unresolved").as_array().empty());

  auto list = http_.Get("/v1/templates", BasicAuth(kReadKey));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body).at("templates").as_array().size(), 2u);
  EXPECT_EQ(Admin("POST", "/v1/templates/cart/preview", R"({})").status, 400);
  EXPECT_EQ(Admin("POST", "/v1/templates/nope/preview", R"({"data": {}})").status, 404);
  EXPECT_EQ(Admin("DELETE", "/v1/templates/footer").status, 204);
  // A deleted partial renders as nothing and is reported.
  auto without = Admin("POST", "/v1/templates/cart/preview", R"({"data": {"items": []}})");
  ASSERT_EQ(without.status, 200);
  EXPECT_EQ(json::serialize(json::parse(without.body).at("unresolved")),
            R"(["first_name","> footer"])");
}

TEST_F(TemplateApiTest, PreviewsWithACustomersOwnData) {
  ASSERT_EQ(
      http_
          .Post(
              "/v1/identify",
              R"({"userId": "u1", "traits": {"first_name": "Grace", "email": "grace@example.com"}})",
              BasicAuth(kWriteKey))
          .status,
      200);
  ASSERT_EQ(
      http_
          .Post("/v1/track",
                R"({"userId": "u1", "event": "Order Completed", "properties": {"revenue": 42}})",
                BasicAuth(kWriteKey))
          .status,
      200);
  ASSERT_TRUE(server_.WaitForProfiles());
  ASSERT_EQ(
      Admin(
          "PUT", "/v1/templates/thanks",
          R"({"name": "Thanks", "text": "Hi {{first_name}} ({{customer.email}}): {{features.orders}} order(s). {{#recommendations}}x{{/recommendations}}{{predictions.churn_probability}}"})")
          .status,
      201);
  auto preview = Admin("POST", "/v1/templates/thanks/preview", R"({"customer": "u1"})");
  ASSERT_EQ(preview.status, 200) << preview.body;
  json::object out = json::parse(preview.body).as_object();
  EXPECT_EQ(out.at("text").as_string(), "Hi Grace (grace@example.com): 1 order(s). ");
  // Not scored: reported, not invented. No model trained: an empty list, which is a value.
  EXPECT_EQ(json::serialize(out.at("unresolved")), R"(["predictions.churn_probability"])");
  EXPECT_EQ(Admin("POST", "/v1/templates/thanks/preview", R"({"customer": "nobody"})").status, 404);

  // Read keys cannot preview (it reads a customer's personal data) or change templates.
  EXPECT_EQ(http_
                .Request("POST", "/v1/templates/thanks/preview", R"({"customer": "u1"})",
                         {{"Authorization", BasicAuth(kReadKey)}})
                .status,
            403);
  EXPECT_EQ(http_
                .Request("PUT", "/v1/templates/x", R"({"name": "X", "text": "x"})",
                         {{"Authorization", BasicAuth(kReadKey)}})
                .status,
            403);
}

}  // namespace
}  // namespace mercato::testing

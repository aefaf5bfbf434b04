// The data subject's rights over HTTP: consent updates, export and erasure with a status URL.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

class PrivacyApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start_status().ok()); }
  TestServer server_;
  HttpClient http_{server_.port()};
};

TEST_F(PrivacyApiTest, ConsentUpdatesAreRecordedAndEnforcedInTheProfile) {
  ASSERT_EQ(http_
                .Post("/v1/track",
                      R"({"userId":"c9","event":"Order Completed","properties":{"revenue":5}})",
                      BasicAuth(kWriteKey))
                .status,
            200);
  ASSERT_TRUE(server_.WaitForProfiles());
  auto before = json::parse(http_.Get("/v1/profiles/c9", BasicAuth(kReadKey)).body);
  EXPECT_TRUE(before.at("features").at("rfm").is_object());
  EXPECT_FALSE(before.at("consent").at("email_marketing").at("granted").as_bool());

  auto updated = http_.Post("/v1/privacy/consent",
                            R"({"userId":"c9","purposes":{"email_marketing":true,
                                "profiling":false}})",
                            BasicAuth(kWriteKey));
  ASSERT_EQ(updated.status, 200) << updated.body;
  ASSERT_TRUE(server_.WaitForProfiles());
  auto after = json::parse(http_.Get("/v1/profiles/c9", BasicAuth(kReadKey)).body);
  const json::object& consent = after.at("consent").as_object();
  EXPECT_TRUE(consent.at("email_marketing").at("granted").as_bool());
  EXPECT_TRUE(consent.at("email_marketing").at("decided").as_bool());
  EXPECT_EQ(consent.at("email_marketing").at("source").as_string(), "flag-write-1");
  EXPECT_FALSE(consent.at("profiling").at("granted").as_bool());
  EXPECT_TRUE(after.at("features").at("rfm").is_null());

  for (const char* bad : {R"({"userId":"c9"})", R"({"userId":"c9","purposes":{}})",
                          R"({"userId":"c9","purposes":{"cookies":true}})",
                          R"({"userId":"c9","purposes":{"Marketing":true}})",
                          R"({"userId":"c9","purposes":{"profiling":"yes"}})",
                          R"({"purposes":{"profiling":true}})", "not json"}) {
    auto refused = http_.Post("/v1/privacy/consent", bad, BasicAuth(kWriteKey));
    EXPECT_EQ(refused.status, 400) << bad << " -> " << refused.body;
  }
}

TEST_F(PrivacyApiTest, ExportAndErasure) {
  ASSERT_EQ(http_
                .Post("/v1/identify",
                      R"({"userId":"e1","traits":{"email":"e1@example.com","name":"Eve One"}})",
                      BasicAuth(kWriteKey))
                .status,
            200);
  ASSERT_TRUE(server_.WaitForProfiles());
  auto exported = http_.Get("/v1/privacy/export/e1%40example.com", BasicAuth(kAdminKey));
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_NE(exported.Header("Content-Disposition").find("attachment"), std::string::npos);
  auto document = json::parse(exported.body).as_object();
  EXPECT_EQ(document.at("profile").at("traits").at("name").as_string(), "Eve One");
  ASSERT_EQ(document.at("events").as_array().size(), 1u);
  EXPECT_EQ(document.at("events").at(0).at("traits").at("email").as_string(), "e1@example.com");
  EXPECT_EQ(http_.Get("/v1/privacy/export/nobody", BasicAuth(kAdminKey)).status, 404);

  for (const char* bad : {"{}", R"({"subject":""})", R"({"subject":42})", "[]"}) {
    EXPECT_EQ(http_.Post("/v1/privacy/erasure", bad, BasicAuth(kAdminKey)).status, 400) << bad;
  }
  EXPECT_EQ(
      http_.Post("/v1/privacy/erasure", R"({"subject":"nobody"})", BasicAuth(kAdminKey)).status,
      404);
  auto accepted = http_.Post("/v1/privacy/erasure", R"({"subject":"e1"})", BasicAuth(kAdminKey));
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const std::string location = accepted.Header("Location");
  EXPECT_EQ(location, std::string(json::parse(accepted.body).at("statusUrl").as_string()));
  ClientResponse status;
  ASSERT_TRUE(WaitFor([&] {
    status = http_.Get(location, BasicAuth(kAdminKey));
    return status.body.find("\"state\":\"done\"") != std::string::npos;
  })) << status.body;
  EXPECT_EQ(json::parse(status.body).at("removed").at("events").as_int64(), 1);
  EXPECT_EQ(http_.Get("/v1/profiles/e1", BasicAuth(kReadKey)).status, 404);
  EXPECT_EQ(http_.Get("/v1/privacy/erasure/er_unknown", BasicAuth(kAdminKey)).status, 404);
}

}  // namespace
}  // namespace mercato::testing

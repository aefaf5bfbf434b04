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

TEST_F(PrivacyApiTest, ErasureRequestsAreListedNewestFirst) {
  auto empty = http_.Get("/v1/privacy/erasure", BasicAuth(kAdminKey));
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(json::parse(empty.body), json::parse(R"({"requests": []})"));
  ASSERT_EQ(http_
                .Post("/v1/batch", R"({"batch": [{"type": "identify", "userId": "l1"},
                                                {"type": "identify", "userId": "l2"}]})",
                      BasicAuth(kWriteKey))
                .status,
            200);
  ASSERT_TRUE(server_.WaitForProfiles());
  std::vector<std::string> ids;
  for (const char* subject : {"l1", "l2"}) {
    auto accepted =
        http_.Post("/v1/privacy/erasure", std::string(R"({"subject":")") + subject + R"("})",
                   BasicAuth(kAdminKey));
    ASSERT_EQ(accepted.status, 202) << accepted.body;
    ids.emplace_back(json::parse(accepted.body).at("id").as_string());
  }
  for (const std::string& id : ids) {
    ASSERT_TRUE(WaitFor([&] {
      return http_.Get("/v1/privacy/erasure/" + id, BasicAuth(kAdminKey))
                 .body.find("\"state\":\"done\"") != std::string::npos;
    }));
  }

  auto listed = http_.Get("/v1/privacy/erasure", BasicAuth(kAdminKey));
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json::array requests = json::parse(listed.body).at("requests").as_array();
  ASSERT_EQ(requests.size(), 2u) << listed.body;
  // Each entry is the job's status document, the newest request first.
  EXPECT_EQ(requests[0].at("id").as_string(), ids[1]);
  EXPECT_EQ(requests[1].at("id").as_string(), ids[0]);
  for (const json::value& request : requests) {
    const std::string id(request.at("id").as_string());
    EXPECT_EQ(request,
              json::parse(http_.Get("/v1/privacy/erasure/" + id, BasicAuth(kAdminKey)).body));
    EXPECT_EQ(request.at("removed").at("profiles").as_int64(), 1);
  }
  auto one = http_.Get("/v1/privacy/erasure?limit=1", BasicAuth(kAdminKey));
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(json::parse(one.body).at("requests").as_array().size(), 1u);
  EXPECT_EQ(json::parse(one.body).at("requests").at(0).at("id").as_string(), ids[1]);

  for (const char* bad : {"0", "1001", "-1", "ten", "5x", "1e2", ""}) {
    auto refused = http_.Get(std::string("/v1/privacy/erasure?limit=") + bad, BasicAuth(kAdminKey));
    if (std::string_view(bad).empty()) {
      EXPECT_EQ(refused.status, 200) << "an empty limit is the default";
      continue;
    }
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_NE(refused.body.find("'limit' must be an integer from 1 to 1000"), std::string::npos)
        << refused.body;
  }
  // Erasure jobs name customers: admin only.
  EXPECT_EQ(http_.Get("/v1/privacy/erasure", BasicAuth(kReadKey)).status, 403);
}

}  // namespace
}  // namespace mercato::testing

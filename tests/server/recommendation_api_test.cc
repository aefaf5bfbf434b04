// Recommendations over HTTP: training through the admin route (202, polled to done), answers for
// a customer's live session and for an explicit session, and every kind of bad parameter (400),
// missing model (409) and scope (401/403).

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/time_format.h"
#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

class RecommendationApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start_status().ok()) << server_.start_status().ToString();
  }

  // 40 customers in the last hours: even ones view a1 -> a2 -> a3, odd ones b1 -> b2 -> b3.
  void Shop() {
    const int64_t now = SystemClock::Instance().NowMicros();
    json::array batch;
    for (int c = 0; c < 40; ++c) {
      const char family = c % 2 == 0 ? 'a' : 'b';
      for (int session = 0; session < 2; ++session) {
        for (int step = 1; step <= 3; ++step) {
          const int64_t at =
              now - (3 - session) * 3600 * kMicrosPerSecond + step * kMicrosPerSecond;
          batch.push_back(json::object{
              {"type", "track"},
              {"userId", "u" + std::to_string(c)},
              {"event", "Product Viewed"},
              {"properties", {{"product_id", std::string(1, family) + std::to_string(step)}}},
              {"timestamp", FormatTimestamp(at)}});
        }
      }
    }
    auto response = http_.Post("/v1/batch", json::serialize(json::object{{"batch", batch}}),
                               BasicAuth(kWriteKey));
    ASSERT_EQ(response.status, 200) << response.body;
    ASSERT_TRUE(server_.WaitForProfiles());
  }

  void Train() {
    auto response = http_.Post("/v1/models/recommendations", "{}", BasicAuth(kAdminKey));
    ASSERT_EQ(response.status, 202) << response.body;
    json::object state;
    ASSERT_TRUE(WaitFor([&] {
      auto polled = http_.Get("/v1/models/recommendations", BasicAuth(kReadKey));
      if (polled.status != 200) return false;
      state = json::parse(polled.body).as_object();
      return state.at("training").at("state").as_string() != "running";
    }));
    ASSERT_EQ(state.at("training").at("state").as_string(), "done") << json::serialize(state);
    ASSERT_TRUE(state.at("current").is_object());
    EXPECT_EQ(state.at("versions").as_array().size(), 1u);
  }

  json::object GetJson(const std::string& target, int expected = 200) {
    auto response = http_.Get(target, BasicAuth(kReadKey));
    EXPECT_EQ(response.status, expected) << target << ": " << response.body;
    if (response.status != expected) return {};
    return json::parse(response.body).as_object();
  }

  TestServer server_;
  HttpClient http_{server_.port()};
};

TEST_F(RecommendationApiTest, BeforeTheFirstTrainingAnswersConflict) {
  Shop();
  json::object error = GetJson("/v1/recommendations/u1", 409);
  EXPECT_NE(json::serialize(error).find("no recommendation model"), std::string::npos);
}

TEST_F(RecommendationApiTest, TrainsAndAnswersForTheLiveSession) {
  Shop();
  Train();
  // A visitor views b1 now: the next answer is about b.
  const std::string view =
      R"({"userId":"visitor","event":"Product Viewed","properties":{"product_id":"b1"},
          "context":{"device":{"type":"mobile"}},"timestamp":")" +
      FormatTimestamp(SystemClock::Instance().NowMicros()) + R"("})";
  ASSERT_EQ(http_.Post("/v1/track", view, BasicAuth(kWriteKey)).status, 200);
  ASSERT_TRUE(server_.WaitForProfiles());
  json::object answer = GetJson("/v1/recommendations/visitor?n=2&exclude=session");
  ASSERT_FALSE(answer.empty());
  EXPECT_TRUE(answer.at("personalised").as_bool());
  EXPECT_EQ(json::serialize(answer.at("session")), R"(["b1"])");
  EXPECT_EQ(answer.at("context").at("device").as_string(), "mobile");
  const json::array& items = answer.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  for (const json::value& item : items) {
    EXPECT_EQ(item.at("id").as_string().front(), 'b') << json::serialize(answer);
    EXPECT_EQ(item.at("reason").as_string(), "viewed together with b1");
  }
  // The catalog learned the items from the events.
  EXPECT_EQ(http_.Get("/v1/catalog/items/b2", BasicAuth(kReadKey)).status, 200);
}

TEST_F(RecommendationApiTest, AnswersForAnExplicitSession) {
  Shop();
  Train();
  auto response = http_.Post("/v1/recommendations/session",
                             R"({"items":["a1"],"n":2,"exclude":["session"],
                                 "context":{"device":"desktop","weather":false}})",
                             BasicAuth(kReadKey));
  ASSERT_EQ(response.status, 200) << response.body;
  json::object answer = json::parse(response.body).as_object();
  EXPECT_TRUE(answer.at("customerId").is_null());
  const json::array& items = answer.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("id").as_string().front(), 'a');
  // Every strategy of the version answers; an unknown one is a 400 that lists them.
  for (const char* strategy : {"popular", "iknn", "sr", "sknn", "stan", "vstan", "hybrid"}) {
    json::object by = GetJson(std::string("/v1/recommendations/u0?strategy=") + strategy);
    ASSERT_FALSE(by.empty()) << strategy;
    EXPECT_EQ(by.at("strategy").as_string(), strategy);
  }
  json::object unknown = GetJson("/v1/recommendations/u0?strategy=magic", 400);
  EXPECT_NE(json::serialize(unknown).find("vstan"), std::string::npos);
  // An unknown customer gets trending items.
  json::object stranger = GetJson("/v1/recommendations/nobody?n=3");
  EXPECT_FALSE(stranger.at("personalised").as_bool());
  EXPECT_EQ(stranger.at("items").as_array().size(), 3u);
}

TEST_F(RecommendationApiTest, RejectsBadParametersWithClearErrors) {
  Shop();
  Train();
  for (const char* target :
       {"/v1/recommendations/u1?n=0", "/v1/recommendations/u1?n=101",
        "/v1/recommendations/u1?n=ten", "/v1/recommendations/u1?exclude=everything",
        "/v1/recommendations/u1?lat=52", "/v1/recommendations/u1?lat=91&lon=0",
        "/v1/recommendations/u1?lat=x&lon=1", "/v1/recommendations/u1?weather=maybe",
        "/v1/recommendations/u1?exclude_items=a,,b"}) {
    GetJson(target, 400);
  }
  for (const char* body :
       {R"({})", R"({"items":"a1"})", R"({"items":[1]})", R"({"items":["a1"],"n":0})",
        R"({"items":["a1"],"color":"red"})", R"({"items":["a1"],"context":{"planet":"mars"}})",
        R"({"items":["a1"],"context":{"latitude":10}})", R"({"items":["a1"],"exclude":["x"]})",
        R"(not json)"}) {
    auto response = http_.Post("/v1/recommendations/session", body, BasicAuth(kReadKey));
    EXPECT_EQ(response.status, 400) << body << ": " << response.body;
  }
  for (const char* body : {R"({"neural":"yes"})", R"({"validationFraction":0.9})",
                           R"({"gruEpochs":0})", R"({"epochs":3})"}) {
    auto response = http_.Post("/v1/models/recommendations", body, BasicAuth(kAdminKey));
    EXPECT_EQ(response.status, 400) << body << ": " << response.body;
  }
}

TEST_F(RecommendationApiTest, ScopesAreEnforced) {
  EXPECT_EQ(http_.Get("/v1/recommendations/u1").status, 401);
  EXPECT_EQ(http_.Get("/v1/recommendations/u1", BasicAuth(kWriteKey)).status, 403);
  EXPECT_EQ(http_.Post("/v1/models/recommendations", "{}", BasicAuth(kReadKey)).status, 403);
  EXPECT_EQ(http_.Get("/v1/models/recommendations", BasicAuth(kReadKey)).status, 200);
}

}  // namespace
}  // namespace mercato::testing

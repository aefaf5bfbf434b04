// Model runs over HTTP: 202 with a status URL, polling to done, one run at a time (409), bad
// bodies (400), cohorts renderings and per-customer predictions.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>

#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

class AnalyticsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start_status().ok()) << server_.start_status().ToString();
    // Three buyers (one a repeat buyer) and one visitor who never buys.
    const char* orders[] = {
        R"({"userId":"b1","event":"Order Completed","properties":{"revenue":10},
            "timestamp":"2024-01-05T10:00:00Z"})",
        R"({"userId":"b1","event":"Order Completed","properties":{"revenue":30},
            "timestamp":"2024-02-05T10:00:00Z"})",
        R"({"userId":"b2","event":"Order Completed","properties":{"revenue":50},
            "timestamp":"2024-01-20T10:00:00Z"})",
        R"({"userId":"b3","event":"Order Completed","properties":{"revenue":5},
            "timestamp":"2024-03-01T10:00:00Z"})",
        R"({"userId":"v1","event":"Product Viewed","timestamp":"2024-03-01T10:00:00Z"})"};
    for (const char* body : orders) {
      ASSERT_EQ(http_.Post("/v1/track", body, BasicAuth(kWriteKey)).status, 200) << body;
    }
    ASSERT_TRUE(server_.WaitForProfiles());
  }

  // Polls the run until it is no longer running; returns its document.
  json::object WaitForRun(const std::string& id) {
    json::object run;
    EXPECT_TRUE(WaitFor([&] {
      auto response = http_.Get("/v1/analytics/runs/" + id, BasicAuth(kReadKey));
      if (response.status != 200) return false;
      run = json::parse(response.body).as_object();
      return run.at("status").as_string() != "running";
    }));
    return run;
  }

  std::string Submit(const std::string& body) {
    auto response = http_.Post("/v1/analytics/runs", body, BasicAuth(kAdminKey));
    EXPECT_EQ(response.status, 202) << response.body;
    if (response.status != 202) return "";
    json::object answer = json::parse(response.body).as_object();
    const std::string id(answer.at("id").as_string());
    EXPECT_EQ(answer.at("status_url").as_string(), "/v1/analytics/runs/" + id);
    EXPECT_EQ(response.Header("Location"), "/v1/analytics/runs/" + id);
    return id;
  }

  // Holds every run at its start until `release_` is set (tests of 409).
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  std::atomic<bool> hold_{false};
  TestServer server_{[this] {
    TestServerOptions options;
    options.model_runs.on_execute = [this](const std::string&) {
      if (hold_.load()) released_.wait();
    };
    return options;
  }()};
  HttpClient http_{server_.port()};
};

TEST_F(AnalyticsApiTest, RfmRunIsAcceptedPolledAndItsScoresServed) {
  const std::string id = Submit(R"({"kind":"rfm","params":{"as_of":"2024-04-01T00:00:00Z"}})");
  json::object run = WaitForRun(id);
  ASSERT_EQ(run.at("status").as_string(), "done") << json::serialize(run);
  EXPECT_EQ(run.at("result").at("customers_scored").to_number<int64_t>(), 3);
  EXPECT_EQ(run.at("params").at("as_of").as_string(), "2024-04-01T00:00:00.000Z");

  auto listed = http_.Get("/v1/analytics/runs", BasicAuth(kReadKey));
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(json::parse(listed.body).at("runs").as_array()[0].at("id").as_string(), id);

  auto predictions = http_.Get("/v1/predictions/b1", BasicAuth(kReadKey));
  ASSERT_EQ(predictions.status, 200) << predictions.body;
  json::value body = json::parse(predictions.body);
  EXPECT_TRUE(body.at("rfm_segment").is_string());
  EXPECT_TRUE(body.at("churn_probability").is_null());
  EXPECT_EQ(body.at("runs").at("rfm_score").as_string(), id);
  auto visitor = json::parse(http_.Get("/v1/predictions/v1", BasicAuth(kReadKey)).body);
  EXPECT_TRUE(visitor.at("rfm_score").is_null());
  auto profile = json::parse(http_.Get("/v1/profiles/b1", BasicAuth(kReadKey)).body);
  EXPECT_EQ(profile.at("predictions").at("rfm_segment"), body.at("rfm_segment"));
  EXPECT_EQ(http_.Get("/v1/predictions/nobody", BasicAuth(kReadKey)).status, 404);
  EXPECT_EQ(http_.Get("/v1/analytics/runs/run_0000000000000000", BasicAuth(kReadKey)).status, 404);
}

TEST_F(AnalyticsApiTest, OneRunAtATime) {
  hold_.store(true);
  const std::string id = Submit(R"({"kind":"rfm"})");
  auto second = http_.Post("/v1/analytics/runs", R"({"kind":"cohorts"})", BasicAuth(kAdminKey));
  EXPECT_EQ(second.status, 409) << second.body;
  auto running = json::parse(http_.Get("/v1/analytics/runs/" + id, BasicAuth(kReadKey)).body);
  EXPECT_EQ(running.at("status").as_string(), "running");
  release_.set_value();
  EXPECT_EQ(WaitForRun(id).at("status").as_string(), "done");
  const std::string next = Submit(R"({"kind":"cohorts"})");
  EXPECT_EQ(WaitForRun(next).at("status").as_string(), "done");
}

TEST_F(AnalyticsApiTest, BadBodiesAndParametersAre400) {
  for (const char* body :
       {"", "not json", "[]", R"({"kind":"forecast"})", R"({"params":{}})",
        R"({"kind":"rfm","params":[]})", R"({"kind":"rfm","extra":1})",
        R"({"kind":"cluster","params":{"k":0}})", R"({"kind":"predict","params":{"horizon":9}})",
        R"({"kind":"rfm","params":{"as_of":"soon"}})"}) {
    auto response = http_.Post("/v1/analytics/runs", body, BasicAuth(kAdminKey));
    EXPECT_EQ(response.status, 400) << body << " -> " << response.body;
  }
  EXPECT_EQ(http_.Post("/v1/analytics/runs", R"({"kind":"rfm"})", BasicAuth(kReadKey)).status, 403);
  EXPECT_EQ(http_.Get("/v1/analytics/runs?limit=0", BasicAuth(kReadKey)).status, 400);
  EXPECT_EQ(http_.Get("/v1/analytics/runs?kind=x", BasicAuth(kReadKey)).status, 400);
  EXPECT_EQ(http_.Get("/v1/analytics/cohorts?format=pdf", BasicAuth(kReadKey)).status, 400);
}

TEST_F(AnalyticsApiTest, FailedRunsReportTheirError) {
  const std::string id = Submit(R"({"kind":"predict","params":{"as_of":"2024-04-01"}})");
  json::object run = WaitForRun(id);
  EXPECT_EQ(run.at("status").as_string(), "failed");
  EXPECT_NE(std::string(run.at("error").as_string()).find("min_customers"), std::string::npos);
  EXPECT_TRUE(run.at("result").is_null());
}

TEST_F(AnalyticsApiTest, CohortsInEveryFormat) {
  EXPECT_EQ(http_.Get("/v1/analytics/cohorts", BasicAuth(kReadKey)).status, 404);
  const std::string id = Submit(R"({"kind":"cohorts","params":{"as_of":"2024-04-01"}})");
  ASSERT_EQ(WaitForRun(id).at("status").as_string(), "done");
  auto as_json = http_.Get("/v1/analytics/cohorts", BasicAuth(kReadKey));
  ASSERT_EQ(as_json.status, 200);
  json::value document = json::parse(as_json.body);
  EXPECT_EQ(document.at("run").as_string(), id);
  // Cohorts 2024-01 (b1, b2) and 2024-03 (b3).
  const json::array& cohorts = document.at("cohorts").at("cohorts").as_array();
  ASSERT_EQ(cohorts.size(), 2u);
  EXPECT_EQ(cohorts[0].at("size").to_number<int64_t>(), 2);
  EXPECT_EQ(cohorts[0].at("active").as_array()[1].to_number<int64_t>(), 1);  // b1 in February
  auto csv = http_.Get("/v1/analytics/cohorts?format=csv", BasicAuth(kReadKey));
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("Content-Type").rfind("text/csv", 0), 0u) << csv.Header("Content-Type");
  auto svg = http_.Get("/v1/analytics/cohorts?format=svg", BasicAuth(kReadKey));
  EXPECT_EQ(svg.status, 200);
  EXPECT_EQ(svg.Header("Content-Type"), "image/svg+xml");
  EXPECT_NE(svg.body.find("<svg"), std::string::npos);
}

}  // namespace
}  // namespace mercato::testing

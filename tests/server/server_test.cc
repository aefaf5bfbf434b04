// HTTP API integration tests against a real server on an ephemeral port.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>
#include <vector>

#include "core/logging.h"
#include "server/gzip.h"
#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start_status().ok()); }
  HttpClient client() { return HttpClient(server_.port()); }
  TestServer server_;
};

TEST_F(ServerTest, TrackWithBasicAuthIsStoredAndAcknowledged) {
  HttpClient http(server_.port());
  auto response =
      http.Post("/v1/track", R"({"userId":"u1","event":"Signed Up"})", BasicAuth(kWriteKey));
  ASSERT_EQ(response.status, 200) << response.body << response.error;
  EXPECT_EQ(json::parse(response.body).at("success").as_bool(), true);
  EXPECT_EQ(server_.log().TotalRecords(), 1u);
}

TEST_F(ServerTest, AuthenticationAndScopes) {
  HttpClient http(server_.port());
  const std::string body = R"({"userId":"u1","event":"x"})";
  EXPECT_EQ(http.Post("/v1/track", body, "Bearer " + std::string(kWriteKey)).status, 200);
  auto missing = http.Post("/v1/track", body, "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_NE(missing.Header("WWW-Authenticate").find("Basic"), std::string::npos);
  EXPECT_EQ(http.Post("/v1/track", body, BasicAuth("nope")).status, 401);
  EXPECT_EQ(http.Post("/v1/track", body, "Basic %%%").status, 401);
  EXPECT_EQ(http.Post("/v1/track", body, "Digest abc").status, 401);
  EXPECT_EQ(http.Post("/v1/track", body, BasicAuth(kReadKey)).status, 403);
  EXPECT_EQ(http.Post("/v1/track", body, BasicAuth(kAdminKey)).status, 200);
  // A write key cannot read.
  EXPECT_EQ(http.Get("/v1/profiles/u1", BasicAuth(kWriteKey)).status, 403);
  EXPECT_EQ(http.Get("/v1/profiles/u1", "").status, 401);
  EXPECT_EQ(server_.log().TotalRecords(), 2u);
}

TEST_F(ServerTest, GzipBodiesAreAccepted) {
  HttpClient http(server_.port());
  auto compressed = Gzip(R"({"batch":[{"type":"track","userId":"g","event":"a"},
                                        {"type":"page","userId":"g","name":"Home"}]})");
  ASSERT_TRUE(compressed.ok());
  auto response =
      http.Request("POST", "/v1/batch", *compressed,
                   {{"Authorization", BasicAuth(kWriteKey)}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(server_.log().TotalRecords(), 2u);
  auto corrupt =
      http.Request("POST", "/v1/batch", "not gzip at all",
                   {{"Authorization", BasicAuth(kWriteKey)}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(corrupt.status, 400);
  auto trailing =
      http.Request("POST", "/v1/batch", *compressed + "garbage",
                   {{"Authorization", BasicAuth(kWriteKey)}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(trailing.status, 400) << trailing.body;
  auto upper =
      http.Request("POST", "/v1/batch", *compressed,
                   {{"Authorization", BasicAuth(kWriteKey)}, {"Content-Encoding", "GZIP"}});
  EXPECT_EQ(upper.status, 200) << upper.body;  // codings are case-insensitive
  auto brotli = http.Request("POST", "/v1/track", "{}",
                             {{"Authorization", BasicAuth(kWriteKey)}, {"Content-Encoding", "br"}});
  EXPECT_EQ(brotli.status, 400);
  // A gzip bomb: 5 MB of zeros compresses to a few KB but must stop at the batch limit.
  auto bomb = Gzip(std::string(5 << 20, '0'));
  auto bombed =
      http.Request("POST", "/v1/batch", *bomb,
                   {{"Authorization", BasicAuth(kWriteKey)}, {"Content-Encoding", "gzip"}});
  EXPECT_EQ(bombed.status, 413);
  // The two accepted batches (their events carry no messageId, so both are new); nothing else.
  EXPECT_EQ(server_.log().TotalRecords(), 4u);
}

TEST_F(ServerTest, DuplicateMessageIdIsAcceptedButStoredOnce) {
  HttpClient http(server_.port());
  const std::string body = R"({"userId":"u","event":"x","messageId":"dup-1"})";
  EXPECT_EQ(http.Post("/v1/track", body, BasicAuth(kWriteKey)).status, 200);
  EXPECT_EQ(http.Post("/v1/track", body, BasicAuth(kWriteKey)).status, 200);
  EXPECT_EQ(server_.log().TotalRecords(), 1u);
}

TEST_F(ServerTest, BatchWithBadEventsStoresNothingAndNamesEachIndex) {
  HttpClient http(server_.port());
  auto response = http.Post(
      "/v1/batch",
      R"({"batch":[{"type":"track","userId":"u","event":"ok"},{"type":"track","userId":"u"},
                   {"type":"identify"}]})",
      BasicAuth(kWriteKey));
  ASSERT_EQ(response.status, 400);
  json::object body = json::parse(response.body).as_object();
  json::array errors = body.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("index").as_int64(), 1);
  EXPECT_EQ(errors[1].at("index").as_int64(), 2);
  EXPECT_EQ(server_.log().TotalRecords(), 0u);
}

TEST_F(ServerTest, ProfilesAreBuiltAndReadable) {
  HttpClient http(server_.port());
  ASSERT_EQ(http.Post("/v1/page", R"({"anonymousId":"anon-9","name":"Home",
                      "timestamp":"2026-01-01T10:00:00Z"})",
                      BasicAuth(kWriteKey))
                .status,
            200);
  ASSERT_EQ(http.Post("/v1/identify", R"({"anonymousId":"anon-9","userId":"alice",
                      "traits":{"email":"Alice@Example.com","plan":"pro"},
                      "timestamp":"2026-01-01T10:05:00Z"})",
                      BasicAuth(kWriteKey))
                .status,
            200);
  ASSERT_EQ(http.Post("/v1/track", R"({"userId":"alice","event":"Order Completed",
                      "properties":{"order_id":"o1","revenue":40.5},
                      "timestamp":"2026-01-01T10:10:00Z"})",
                      BasicAuth(kWriteKey))
                .status,
            200);
  ASSERT_TRUE(server_.WaitForProfiles());

  for (const char* id : {"alice", "anon-9", "alice%40example.com"}) {
    auto response = http.Get(std::string("/v1/profiles/") + id, BasicAuth(kReadKey));
    ASSERT_EQ(response.status, 200) << id << " " << response.body;
    json::object profile = json::parse(response.body).as_object();
    EXPECT_EQ(profile.at("traits").at("plan").as_string(), "pro") << id;
  }
  auto events = http.Get("/v1/profiles/alice/events?limit=2", BasicAuth(kReadKey));
  ASSERT_EQ(events.status, 200) << events.body;
  json::object page = json::parse(events.body).as_object();
  ASSERT_EQ(page.at("events").as_array().size(), 2u);
  ASSERT_TRUE(page.at("nextCursor").is_string());
  auto rest = http.Get(
      "/v1/profiles/alice/events?limit=2&cursor=" + std::string(page.at("nextCursor").as_string()),
      BasicAuth(kReadKey));
  json::object last = json::parse(rest.body).as_object();
  ASSERT_EQ(last.at("events").as_array().size(), 1u);
  EXPECT_EQ(last.at("events").as_array()[0].at("event").as_string(), "Order Completed");
  EXPECT_TRUE(last.at("nextCursor").is_null());

  // Newest first: the same three events the other way round, paged with its own cursors.
  auto newest = json::parse(
      http.Get("/v1/profiles/alice/events?limit=2&order=newest", BasicAuth(kReadKey)).body);
  ASSERT_EQ(newest.at("events").as_array().size(), 2u);
  EXPECT_EQ(newest.at("events").as_array()[0].at("event").as_string(), "Order Completed");
  ASSERT_TRUE(newest.at("nextCursor").is_string());
  auto oldest_last = json::parse(http.Get("/v1/profiles/alice/events?limit=2&order=newest&cursor=" +
                                              std::string(newest.at("nextCursor").as_string()),
                                          BasicAuth(kReadKey))
                                     .body);
  ASSERT_EQ(oldest_last.at("events").as_array().size(), 1u);
  EXPECT_EQ(oldest_last.at("events").as_array()[0], page.at("events").as_array()[0]);
  EXPECT_TRUE(oldest_last.at("nextCursor").is_null());
  EXPECT_EQ(newest.at("events").as_array()[1], page.at("events").as_array()[1]);
  EXPECT_EQ(http.Get("/v1/profiles/alice/events?order=up", BasicAuth(kReadKey)).status, 400);

  EXPECT_EQ(http.Get("/v1/profiles/nobody", BasicAuth(kReadKey)).status, 404);
  EXPECT_EQ(http.Get("/v1/profiles/alice/events?limit=0", BasicAuth(kReadKey)).status, 400);
  EXPECT_EQ(http.Get("/v1/profiles/alice/events?cursor=zz", BasicAuth(kReadKey)).status, 400);
}

TEST_F(ServerTest, IdsWithSlashesAreAddressedEncoded) {
  HttpClient http(server_.port());
  ASSERT_EQ(http.Post("/v1/identify", R"({"userId":"team/events","traits":{"plan":"x"}})",
                      BasicAuth(kWriteKey))
                .status,
            200);
  ASSERT_TRUE(server_.WaitForProfiles());
  auto profile = http.Get("/v1/profiles/team%2Fevents", BasicAuth(kReadKey));
  ASSERT_EQ(profile.status, 200) << profile.body;
  EXPECT_EQ(json::parse(profile.body).at("traits").at("plan").as_string(), "x");
  auto events = http.Get("/v1/profiles/team%2Fevents/events", BasicAuth(kReadKey));
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_EQ(json::parse(events.body).at("events").as_array().size(), 1u);
  // Unencoded, the same path means "the events of customer 'team'", who does not exist.
  EXPECT_EQ(http.Get("/v1/profiles/team/events", BasicAuth(kReadKey)).status, 404);
}

TEST_F(ServerTest, OpsEndpointsAndMetrics) {
  HttpClient http(server_.port());
  EXPECT_EQ(http.Get("/healthz").status, 200);
  EXPECT_EQ(http.Get("/readyz").status, 200);
  ASSERT_EQ(http.Post("/v1/track", R"({"userId":"u","event":"x"})", BasicAuth(kWriteKey)).status,
            200);
  EXPECT_EQ(http.Get("/nope").status, 404);
  EXPECT_EQ(http.Get("/v1/track").status, 405);
  auto metrics = http.Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.Header("Content-Type").find("text/plain"), std::string::npos);
  const std::string& text = metrics.body;
  EXPECT_NE(
      text.find("mercato_http_requests_total{route=\"/v1/track\",method=\"POST\",code=\"200\"} 1"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("mercato_http_request_duration_seconds_bucket{route=\"/v1/track\""),
            std::string::npos);
  EXPECT_NE(text.find("mercato_events_ingested_total 1"), std::string::npos);
  EXPECT_NE(text.find("mercato_log_records 1"), std::string::npos);
  EXPECT_NE(text.find("mercato_consumer_lag{consumer=\"profiles\"}"), std::string::npos);
}

TEST_F(ServerTest, ClientsCannotCreateMetricSeries) {
  HttpClient http(server_.port());
  for (const char* method : {"FROB", "BREW"}) {
    std::string raw = http.SendRaw(std::string(method) + " /no/such/path/" + method +
                                   " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(raw.find("HTTP/1.1 404"), std::string::npos) << method << ": " << raw;
  }
  std::string text = http.Get("/metrics").body;
  EXPECT_NE(text.find("route=\"unmatched\",method=\"other\",code=\"404\"} 2"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("FROB"), std::string::npos);
  EXPECT_EQ(text.find("/no/such/path"), std::string::npos);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpClient http(server_.port());
  for (int k = 0; k < 50; ++k) {
    auto response = http.Post("/v1/track", R"({"userId":"k","event":"x"})", BasicAuth(kWriteKey));
    ASSERT_EQ(response.status, 200);
    EXPECT_NE(response.Header("Connection"), "close");
  }
  EXPECT_EQ(server_.log().TotalRecords(), 50u);
}

TEST(ServerLimitsTest, ConnectionLimitAnswers503) {
  HttpServerOptions options;
  options.max_connections = 2;
  TestServer server(options);
  ASSERT_TRUE(server.start_status().ok());
  HttpClient first(server.port()), second(server.port());
  ASSERT_EQ(first.Get("/healthz").status, 200);
  ASSERT_EQ(second.Get("/healthz").status, 200);
  HttpClient third(server.port());
  std::string raw = third.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(raw.find("503"), std::string::npos) << raw;
  // The body is exactly Content-Length bytes of valid JSON.
  size_t body_at = raw.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  std::string body = raw.substr(body_at + 4);
  EXPECT_NE(raw.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos)
      << raw;
  boost::system::error_code ec;
  boost::json::parse(body, ec);
  EXPECT_FALSE(ec) << body;
}

TEST(ServerLimitsTest, SlowHeadersAreCutOff) {
  HttpServerOptions options;
  options.header_timeout_ms = 200;
  TestServer server(options);
  ASSERT_TRUE(server.start_status().ok());
  HttpClient client(server.port());
  auto started = std::chrono::steady_clock::now();
  // Headers never finish; the server must close the connection itself.
  std::string raw = client.SendRaw("POST /v1/track HTTP/1.1\r\nHost: x\r\n", 5000);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(raw.empty()) << raw;
  EXPECT_LT(waited, std::chrono::milliseconds(4000));
  HttpClient after(server.port());
  EXPECT_EQ(after.Get("/healthz").status, 200);
}

TEST(RequestIdTest, EveryAnswerCarriesAnIdAndTheAccessLogRecordsIt) {
  std::mutex mu;
  std::vector<std::string> lines;
  SetLogSinkForTesting([&](std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(line);
  });
  SetLogFormat(LogFormat::kJson);
  {
    TestServerOptions options;
    options.access_log = true;
    TestServer server(options);
    ASSERT_TRUE(server.start_status().ok());
    HttpClient http(server.port());
    // A usable id from the client is kept; anything else is replaced by a fresh one.
    auto given =
        http.Request("GET", "/v1/stats", {},
                     {{"Authorization", BasicAuth(kReadKey)}, {"X-Request-Id", "lb-7:a_b.c"}});
    EXPECT_EQ(given.status, 200);
    EXPECT_EQ(given.Header("X-Request-Id"), "lb-7:a_b.c");
    auto unusable = http.Request(
        "GET", "/v1/stats", {},
        {{"Authorization", BasicAuth(kReadKey)}, {"X-Request-Id", "has spaces and \"quotes\""}});
    auto none = http.Get("/v1/nowhere");
    EXPECT_EQ(none.status, 404);
    for (const auto& answer : {unusable, none}) {
      const std::string id = answer.Header("X-Request-Id");
      EXPECT_EQ(id.size(), 16u) << id;
      EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    }
    EXPECT_NE(unusable.Header("X-Request-Id"), none.Header("X-Request-Id"));
    // One record per request, with the id, route and status; never the query string.
    EXPECT_EQ(http.Get("/v1/profiles/someone?secret=token-123", BasicAuth(kReadKey)).status, 404);
  }
  SetLogSinkForTesting({});
  SetLogFormat(LogFormat::kText);
  std::vector<json::object> requests;
  for (const std::string& line : lines) {
    const json::value parsed = json::parse(line);  // every line is JSON
    if (parsed.at("msg").as_string() == "request") requests.push_back(parsed.as_object());
    EXPECT_EQ(line.find("token-123"), std::string::npos) << line;
  }
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].at("requestId").as_string(), "lb-7:a_b.c");
  EXPECT_EQ(requests[0].at("route").as_string(), "/v1/stats");
  EXPECT_EQ(requests[0].at("method").as_string(), "GET");
  EXPECT_EQ(requests[0].at("status").to_number<int>(), 200);
  EXPECT_EQ(requests[0].at("client").as_string(), "127.0.0.1");
  EXPECT_GE(requests[0].at("ms").to_number<double>(), 0.0);
  EXPECT_EQ(requests[2].at("status").to_number<int>(), 404);
  EXPECT_EQ(requests[3].at("route").as_string(), "/v1/profiles/{id}");
}

}  // namespace
}  // namespace mercato::testing

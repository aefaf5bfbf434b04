// GET /v1/stats: the totals, customers active in the last 30 days by the server's clock, and
// consent decisions per purpose.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/time_format.h"
#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

constexpr int64_t kNow = 1'780'000'000'000'000;  // 2026-05-28, the server's clock

std::string DaysAgo(double days) {
  return FormatTimestamp(kNow - static_cast<int64_t>(days * static_cast<double>(kMicrosPerDay)));
}

TEST(StatsApiTest, CountsActiveCustomersAndConsentPerPurpose) {
  FakeClock clock(kNow);
  TestServerOptions options;
  options.clock = &clock;
  TestServer server(options);
  ASSERT_TRUE(server.start_status().ok()) << server.start_status().ToString();
  HttpClient http(server.port());
  // "email" is e-mail marketing and "analytics" profiling (privacy/consent.h aliases).
  const std::string batch =
      R"({"batch": [
      {"type": "identify", "userId": "recent", "timestamp": ")" +
      DaysAgo(2) + R"(", "context": {"consent": {"categoryPreferences":
          {"email": true, "analytics": false}}}},
      {"type": "track", "userId": "recent", "event": "Order Completed", "timestamp": ")" +
      DaysAgo(1.5) + R"(", "properties": {"revenue": 20.5}},
      {"type": "identify", "userId": "lapsed", "timestamp": ")" +
      DaysAgo(40) + R"(", "context": {"consent": {"categoryPreferences": {"email": false,
          "advertising": true}}}},
      {"type": "track", "userId": "edge", "event": "Product Viewed", "timestamp": ")" +
      DaysAgo(29.9) + R"("},
      {"type": "page", "anonymousId": "visitor", "name": "Home", "timestamp": ")" +
      DaysAgo(0.5) + R"("}]})";
  auto sent = http.Post("/v1/batch", batch, BasicAuth(kWriteKey));
  ASSERT_EQ(sent.status, 200) << sent.body;
  ASSERT_TRUE(server.WaitForProfiles());

  auto all = http.Get("/v1/stats", BasicAuth(kReadKey));
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(json::parse(all.body), json::parse(R"({
      "customers": 4, "knownCustomers": 3, "events": 5, "orders": 1, "refunds": 0,
      "revenue": 20.5, "activeCustomers30d": 3,
      "consent": {
        "email_marketing": {"granted": 1, "denied": 1, "undecided": 2},
        "profiling": {"granted": 0, "denied": 1, "undecided": 3},
        "personalisation": {"granted": 0, "denied": 0, "undecided": 4},
        "advertising": {"granted": 1, "denied": 0, "undecided": 3}}})"))
      << all.body;
  // The figures that were there before keep their exact text.
  EXPECT_TRUE(all.body.starts_with(
      R"({"customers":4,"knownCustomers":3,"events":5,"orders":1,"refunds":0,"revenue":20.5,)"))
      << all.body;

  // known=true narrows every figure to customers with a userId.
  auto known = http.Get("/v1/stats?known=true", BasicAuth(kReadKey));
  ASSERT_EQ(known.status, 200) << known.body;
  const json::object totals = json::parse(known.body).as_object();
  EXPECT_EQ(totals.at("customers").as_int64(), 3);
  EXPECT_EQ(totals.at("activeCustomers30d").as_int64(), 2);
  EXPECT_EQ(totals.at("consent").at("personalisation").at("undecided").as_int64(), 3);

  // A few hours on, the customer last seen 29.9 days ago is no longer active.
  clock.Advance(kMicrosPerDay / 5);  // edge: 30.1 days ago
  auto later = http.Get("/v1/stats", BasicAuth(kReadKey));
  ASSERT_EQ(later.status, 200) << later.body;
  EXPECT_EQ(json::parse(later.body).at("activeCustomers30d").as_int64(), 2) << later.body;
}

}  // namespace
}  // namespace mercato::testing

// Rate limits: token buckets (refill by the injected clock, bounded memory), the gateway's 429 with
// Retry-After per key and per client address, and the same over real HTTP.

#include "server/rate_limiter.h"

#include <gtest/gtest.h>

#include "server/gateway_harness.h"
#include "server/test_server.h"

namespace mercato::testing {
namespace {

TEST(RateLimitTest, ParsesRateAndBurst) {
  auto plain = ParseRateLimit("10");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->rate, 10);
  EXPECT_EQ(plain->burst, 20);
  auto both = ParseRateLimit("2.5:4");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->rate, 2.5);
  EXPECT_EQ(both->burst, 4);
  EXPECT_EQ(ParseRateLimit("0.2")->burst, 1);  // at least one request
  EXPECT_FALSE(ParseRateLimit("0")->enabled());
  EXPECT_EQ(FormatRateLimit(*both), "2.5:4");
  EXPECT_EQ(FormatRateLimit(*ParseRateLimit("0")), "0");
  for (const char* bad : {"", "x", "-1", "10:0", "10:", ":5", "1e12", "nan", "5:abc"}) {
    EXPECT_EQ(ParseRateLimit(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(RateLimitTest, BucketsRefillWithTheClock) {
  FakeClock clock(1'000'000'000);
  RateLimiter limiter(RateLimit{1, 3}, clock);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(limiter.Take("a"), 0) << k;
  EXPECT_EQ(limiter.Take("a"), kMicrosPerSecond);
  EXPECT_EQ(limiter.Take("b"), 0);  // keys are independent
  clock.Advance(kMicrosPerSecond / 2);
  EXPECT_EQ(limiter.Take("a"), kMicrosPerSecond / 2);
  clock.Advance(kMicrosPerSecond / 2);
  EXPECT_EQ(limiter.Take("a"), 0);
  EXPECT_GT(limiter.Take("a"), 0);
  clock.Advance(100 * kMicrosPerSecond);  // refills to the burst, not beyond
  for (int k = 0; k < 3; ++k) EXPECT_EQ(limiter.Take("a"), 0) << k;
  EXPECT_GT(limiter.Take("a"), 0);

  RateLimiter disabled(RateLimit{}, clock);
  for (int k = 0; k < 1000; ++k) ASSERT_EQ(disabled.Take("a"), 0);
  EXPECT_EQ(disabled.bucket_count(), 0u);
}

TEST(RateLimitTest, TheTableIsBoundedAndKeepsBusyClients) {
  FakeClock clock(1'000'000'000);
  RateLimiter limiter(RateLimit{1, 2}, clock, /*max_buckets=*/64);
  EXPECT_EQ(limiter.Take("hot"), 0);
  EXPECT_EQ(limiter.Take("hot"), 0);
  for (int k = 0; k < 10'000; ++k) {
    clock.Advance(1);
    ASSERT_EQ(limiter.Take("flood-" + std::to_string(k)), 0);
    // The limited client keeps asking: it is recently used, so it is never the one evicted.
    ASSERT_GT(limiter.Take("hot"), 0) << k;
  }
  EXPECT_LE(limiter.bucket_count(), 64u);
}

GatewayOptions TightLimits() {
  GatewayOptions options;
  options.key_limit = RateLimit{1, 2};
  options.ip_limit = RateLimit{1, 3};
  return options;
}

TEST(RateLimitTest, GatewayLimitsPerKeyAndPerAddressIndependently) {
  GatewayHarness harness(TightLimits());
  ASSERT_TRUE(harness.keys().AddBootstrapKey("key-a", Scope::kRead).ok());
  ASSERT_TRUE(harness.keys().AddBootstrapKey("key-b", Scope::kRead).ok());
  harness.AddAnswering("GET", "/data", Access::kRead, AdmissionClass::kQuery);
  harness.AddAnswering("GET", "/open", Access::kPublic, AdmissionClass::kOps);
  const CallOptions a{"Bearer key-a", "10.0.0.1"};
  const CallOptions b{"Bearer key-b", "10.0.0.2"};

  EXPECT_EQ(harness.Call("GET", "/data", a)->status, 200);
  EXPECT_EQ(harness.Call("GET", "/data", a)->status, 200);
  auto limited = harness.Call("GET", "/data", a);
  ASSERT_EQ(limited->status, 429);
  EXPECT_EQ(HeaderOf(*limited, "Retry-After"), "1");
  EXPECT_NE(limited->body.find("per key"), std::string::npos) << limited->body;
  EXPECT_NE(limited->body.find("\"code\":\"ResourceExhausted\""), std::string::npos);
  // Another key from another address is unaffected.
  EXPECT_EQ(harness.Call("GET", "/data", b)->status, 200);
  EXPECT_EQ(harness.Call("GET", "/data", b)->status, 200);

  // One address with fresh keys each time: the address's own bucket runs out.
  const CallOptions c{"", "10.0.0.3"};
  for (int k = 0; k < 3; ++k) EXPECT_EQ(harness.Call("GET", "/open", c)->status, 200) << k;
  auto by_address = harness.Call("GET", "/open", c);
  ASSERT_EQ(by_address->status, 429);
  EXPECT_NE(by_address->body.find("per client address"), std::string::npos);
  // An empty address counts as "unknown", which is limited like any other.
  for (int k = 0; k < 3; ++k) EXPECT_EQ(harness.Call("GET", "/open", {"", ""})->status, 200);
  EXPECT_EQ(harness.Call("GET", "/open", {"", ""})->status, 429);

  std::string metrics = harness.metrics().RenderPrometheus();
  EXPECT_NE(metrics.find("mercato_rate_limited_total{limit=\"key\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("mercato_rate_limited_total{limit=\"ip\"} 2"), std::string::npos);

  harness.clock().Advance(kMicrosPerSecond);
  EXPECT_EQ(harness.Call("GET", "/data", a)->status, 200);
  EXPECT_EQ(harness.Call("GET", "/open", c)->status, 200);
}

TEST(RateLimitTest, RetryAfterIsRoundedUpToWholeSeconds) {
  GatewayOptions options;
  options.key_limit = RateLimit{0.4, 1};  // one token every 2.5 s
  GatewayHarness harness(options);
  ASSERT_TRUE(harness.keys().AddBootstrapKey("k", Scope::kRead).ok());
  harness.AddAnswering("GET", "/data", Access::kRead, AdmissionClass::kQuery);
  EXPECT_EQ(harness.Call("GET", "/data", {"Bearer k"})->status, 200);
  EXPECT_EQ(HeaderOf(*harness.Call("GET", "/data", {"Bearer k"}), "Retry-After"), "3");
  harness.clock().Advance(2 * kMicrosPerSecond);
  EXPECT_EQ(HeaderOf(*harness.Call("GET", "/data", {"Bearer k"}), "Retry-After"), "1");
}

TEST(RateLimitTest, OverHttpTheKeyLimitAnswers429AndRefills) {
  FakeClock clock(1'700'000'000 * kMicrosPerSecond);
  TestServerOptions options;
  options.clock = &clock;
  options.gateway.key_limit = RateLimit{1, 2};
  TestServer server(options);
  ASSERT_TRUE(server.start_status().ok());
  HttpClient http(server.port());
  const std::string body = R"({"userId":"u","event":"e"})";
  EXPECT_EQ(http.Post("/v1/track", body, BasicAuth(kWriteKey)).status, 200);
  EXPECT_EQ(http.Post("/v1/track", body, BasicAuth(kWriteKey)).status, 200);
  auto limited = http.Post("/v1/track", body, BasicAuth(kWriteKey));
  ASSERT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.Header("Retry-After"), "1");
  EXPECT_NE(limited.body.find("ResourceExhausted"), std::string::npos);
  // The read key has its own bucket.
  EXPECT_EQ(http.Get("/v1/stats", BasicAuth(kReadKey)).status, 200);
  clock.Advance(kMicrosPerSecond);
  EXPECT_EQ(http.Post("/v1/track", body, BasicAuth(kWriteKey)).status, 200);
  EXPECT_EQ(server.log().TotalRecords(), 3u);
  EXPECT_NE(http.Get("/metrics").body.find("mercato_rate_limited_total{limit=\"key\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace mercato::testing

// CORS for browser SDKs: a write key's allowedOrigins decide which pages may send events with it.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "privacy/crypto.h"
#include "server/gateway_harness.h"
#include "server/test_server.h"

namespace mercato::testing {
namespace {

class CorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiKeyRecord browser;
    browser.id = "key_browser";
    browser.name = "web shop";
    browser.scopes = static_cast<uint8_t>(Scope::kWrite);
    browser.source = "web";
    browser.allowed_origins = {"https://shop.example"};
    browser.secret_sha256 = crypto::Sha256("browser-secret");
    harness_.keys().SetStoredKeys({browser});
    ASSERT_TRUE(harness_.keys().AddBootstrapKey("server-key", Scope::kWrite).ok());
    harness_.AddAnswering("POST", "/v1/track", Access::kWrite, AdmissionClass::kIngest);
    harness_.AddAnswering("GET", "/v1/profiles/{id}", Access::kRead, AdmissionClass::kQuery);
  }
  GatewayHarness harness_;
};

TEST_F(CorsTest, AnAllowedOriginIsEchoed) {
  auto allowed = harness_.Call("POST", "/v1/track",
                               {"Bearer browser-secret", "10.0.0.1", "https://shop.example"});
  ASSERT_EQ(allowed->status, 200);
  EXPECT_EQ(HeaderOf(*allowed, "Access-Control-Allow-Origin"), "https://shop.example");
  EXPECT_EQ(HeaderOf(*allowed, "Vary"), "Origin");
  // Without an Origin (a server-side SDK) there is nothing to allow.
  auto server_side = harness_.Call("POST", "/v1/track", {"Bearer browser-secret"});
  ASSERT_EQ(server_side->status, 200);
  EXPECT_EQ(HeaderOf(*server_side, "Access-Control-Allow-Origin"), "");
}

TEST_F(CorsTest, AnotherOriginIsRefused) {
  auto refused = harness_.Call("POST", "/v1/track",
                               {"Bearer browser-secret", "10.0.0.1", "https://evil.example"});
  ASSERT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("origin 'https://evil.example' is not allowed"), std::string::npos)
      << refused->body;
  EXPECT_EQ(HeaderOf(*refused, "Access-Control-Allow-Origin"), "");
  // A key without allowed origins is not usable from browsers at all.
  EXPECT_EQ(
      harness_.Call("POST", "/v1/track", {"Bearer server-key", "10.0.0.1", "https://shop.example"})
          ->status,
      403);
}

// A page the server served itself (the dashboard at /ui) calls the API from the server's own
// origin: that is not a cross-origin request, so any key may be used from it.
TEST_F(CorsTest, TheServersOwnOriginNeedsNoAllowance) {
  CallOptions own{"Bearer server-key", "10.0.0.1", "http://127.0.0.1:8080"};
  own.host = "127.0.0.1:8080";
  auto same = harness_.Call("POST", "/v1/track", own);
  ASSERT_EQ(same->status, 200) << same->body;
  own.origin = "https://MERCATO.example";
  own.host = "mercato.example";
  EXPECT_EQ(harness_.Call("POST", "/v1/track", own)->status, 200);
  // Another port, another host, a prefix of the host or another scheme is another origin.
  for (const char* origin : {"http://127.0.0.1:8081", "http://127.0.0.2:8080",
                             "http://127.0.0.1:80801", "ftp://127.0.0.1:8080", "127.0.0.1:8080"}) {
    CallOptions other{"Bearer server-key", "10.0.0.1", origin};
    other.host = "127.0.0.1:8080";
    EXPECT_EQ(harness_.Call("POST", "/v1/track", other)->status, 403) << origin;
  }
  // Without a Host header nothing is same-origin.
  CallOptions no_host{"Bearer server-key", "10.0.0.1", "http://127.0.0.1:8080"};
  EXPECT_EQ(harness_.Call("POST", "/v1/track", no_host)->status, 403);
}

TEST_F(CorsTest, PreflightsAnswerForOriginsSomeWriteKeyAllows) {
  auto preflight = harness_.Call("OPTIONS", "/v1/track", {"", "10.0.0.1", "https://shop.example"});
  ASSERT_EQ(preflight->status, 204);
  EXPECT_EQ(HeaderOf(*preflight, "Access-Control-Allow-Origin"), "https://shop.example");
  EXPECT_NE(HeaderOf(*preflight, "Access-Control-Allow-Methods").find("POST"), std::string::npos);
  const std::string headers = HeaderOf(*preflight, "Access-Control-Allow-Headers");
  for (const char* name : {"Authorization", "Content-Type", "Content-Encoding"}) {
    EXPECT_NE(headers.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(HeaderOf(*preflight, "Access-Control-Max-Age"), "7200");
  EXPECT_EQ(HeaderOf(*preflight, "Vary"), "Origin");

  EXPECT_EQ(harness_.Call("OPTIONS", "/v1/track", {"", "10.0.0.1", "https://evil.example"})->status,
            403);
  EXPECT_EQ(harness_.Call("OPTIONS", "/v1/track", {})->status, 403);  // no Origin
  // Only browser-facing (ingestion) routes answer preflights; others are 405, unknown paths 404.
  EXPECT_EQ(
      harness_.Call("OPTIONS", "/v1/profiles/x", {"", "10.0.0.1", "https://shop.example"})->status,
      405);
  EXPECT_EQ(harness_.Call("OPTIONS", "/nope", {"", "10.0.0.1", "https://shop.example"})->status,
            404);

  // Revoking the only key that allows the origin ends its preflights at once.
  std::vector<ApiKeyRecord> keys = harness_.keys().Keys();
  ApiKeyRecord revoked = keys.back();
  revoked.secret_sha256 = crypto::Sha256("browser-secret");
  revoked.revoked_at_us = harness_.clock().NowMicros();
  harness_.keys().SetStoredKeys({revoked});
  EXPECT_EQ(harness_.Call("OPTIONS", "/v1/track", {"", "10.0.0.1", "https://shop.example"})->status,
            403);
}

TEST(CorsHttpTest, BrowserKeysOverHttp) {
  TestServer server;
  ASSERT_TRUE(server.start_status().ok());
  HttpClient http(server.port());
  auto created = http.Request(
      "POST", "/v1/keys",
      R"({"name":"web","scopes":["write"],"source":"web","allowedOrigins":["https://shop.example"]})",
      {{"Authorization", BasicAuth(kAdminKey)}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string secret(boost::json::parse(created.body).at("secret").as_string());

  auto preflight = http.Request("OPTIONS", "/v1/batch", "",
                                {{"Origin", "https://shop.example"},
                                 {"Access-Control-Request-Method", "POST"},
                                 {"Access-Control-Request-Headers", "authorization,content-type"}});
  EXPECT_EQ(preflight.status, 204) << preflight.body;
  EXPECT_EQ(preflight.Header("Access-Control-Allow-Origin"), "https://shop.example");
  EXPECT_EQ(http.Request("OPTIONS", "/v1/batch", "", {{"Origin", "https://evil.example"}}).status,
            403);

  const std::string body = R"({"userId":"u","event":"Viewed"})";
  auto allowed =
      http.Request("POST", "/v1/track", body,
                   {{"Authorization", BasicAuth(secret)}, {"Origin", "https://shop.example"}});
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(allowed.Header("Access-Control-Allow-Origin"), "https://shop.example");
  EXPECT_EQ(allowed.Header("Vary"), "Origin");
  auto refused =
      http.Request("POST", "/v1/track", body,
                   {{"Authorization", BasicAuth(secret)}, {"Origin", "https://evil.example"}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(server.log().TotalRecords(), 1u);
}

}  // namespace
}  // namespace mercato::testing

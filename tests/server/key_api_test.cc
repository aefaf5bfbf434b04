// The /v1/keys API over HTTP: create, use, rotate with grace, revoke; validation; audit entries;
// and no secret ever in a listing or, in plaintext, anywhere in the store's files.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/time_format.h"
#include "privacy/crypto.h"
#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

constexpr int64_t kStart = 1'700'000'000 * kMicrosPerSecond;

// Every byte of every file under `dir`.
std::string ReadAllFiles(const std::filesystem::path& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream file(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    all += bytes.str();
  }
  return all;
}

class KeyApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto audit = AuditLog::Open(audit_dir_.str(), clock_);
    ASSERT_TRUE(audit.ok()) << audit.status().ToString();
    audit_ = std::move(audit).value();
    TestServerOptions options;
    options.clock = &clock_;
    options.audit = audit_.get();
    server_ = std::make_unique<TestServer>(options);
    ASSERT_TRUE(server_->start_status().ok());
    http_ = std::make_unique<HttpClient>(server_->port());
  }
  ClientResponse Admin(const std::string& method, const std::string& target,
                       const std::string& body = {}) {
    return http_->Request(method, target, body, {{"Authorization", BasicAuth(kAdminKey)}});
  }
  int Track(const std::string& secret) {
    return http_->Post("/v1/track", R"({"userId":"shopper","event":"Viewed"})", BasicAuth(secret))
        .status;
  }

  FakeClock clock_{kStart};
  TempDir audit_dir_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<HttpClient> http_;
};

TEST_F(KeyApiTest, LifecycleCreateUseRotateRevoke) {
  auto created = Admin("POST", "/v1/keys",
                       R"({"name":"web shop","scopes":["write"],"source":"web-shop",
                           "allowedOrigins":["https://shop.example"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Header("Cache-Control"), "no-store");
  json::object answer = json::parse(created.body).as_object();
  const std::string first(answer.at("secret").as_string());
  const std::string id(answer.at("key").at("id").as_string());
  EXPECT_EQ(id.size(), 20u);
  EXPECT_EQ(answer.at("key").at("status").as_string(), "active");
  EXPECT_EQ(answer.at("key").at("source").as_string(), "web-shop");

  // Use: the event carries the key's source.
  ASSERT_EQ(Track(first), 200);
  ASSERT_TRUE(server_->WaitForProfiles());
  auto events = http_->Get("/v1/profiles/shopper/events", BasicAuth(kReadKey));
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_EQ(json::parse(events.body).at("events").as_array()[0].at("source").as_string(),
            "web-shop");

  // Listing: every key, never a secret.
  auto listed = Admin("GET", "/v1/keys");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(first), std::string::npos);
  EXPECT_EQ(listed.body.find("secret"), std::string::npos) << listed.body;
  json::array keys = json::parse(listed.body).at("keys").as_array();
  ASSERT_EQ(keys.size(), 5u);  // four flag keys, then the stored one
  EXPECT_EQ(keys[0].at("managed").as_bool(), false);
  EXPECT_EQ(keys[4].at("id").as_string(), id);

  // Rotate with a grace period: both secrets work until it ends.
  auto rotated = Admin("POST", "/v1/keys/" + id + "/rotate", R"({"graceSeconds":60})");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string second(json::parse(rotated.body).at("secret").as_string());
  EXPECT_NE(first, second);
  EXPECT_EQ(json::parse(rotated.body).at("previousSecretValidUntil").as_string(),
            FormatTimestamp(clock_.NowMicros() + 60 * kMicrosPerSecond));
  EXPECT_EQ(Track(first), 200);
  EXPECT_EQ(Track(second), 200);
  clock_.Advance(59 * kMicrosPerSecond);
  EXPECT_EQ(Track(first), 200);
  clock_.Advance(1 * kMicrosPerSecond);
  EXPECT_EQ(Track(first), 401);
  EXPECT_EQ(Track(second), 200);

  // Revoke: immediate.
  auto revoked = Admin("DELETE", "/v1/keys/" + id);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(json::parse(revoked.body).at("key").at("status").as_string(), "revoked");
  auto refused = http_->Post("/v1/track", "{}", BasicAuth(second));
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.Header("WWW-Authenticate").find("Basic realm=\"mercato\""), std::string::npos);

  // Secrets are nowhere in the store's files; what is stored is there (the scan can see it).
  const std::string files = ReadAllFiles(server_->data_dir());
  for (const std::string& secret : {first, second}) {
    EXPECT_EQ(files.find(secret), std::string::npos);
  }
  EXPECT_NE(files.find(crypto::HexEncode(crypto::Sha256(second))), std::string::npos);

  // Each change is audited with the admin key as actor; reads of personal data are audited too,
  // with the reading key as actor.
  std::ifstream audit(audit_->path());
  std::vector<std::string> actions;
  for (std::string line; std::getline(audit, line);) {
    json::object entry = json::parse(line).as_object();
    EXPECT_EQ(line.find(first), std::string::npos);
    std::string action(entry.at("action").as_string());
    if (!action.starts_with("keys.")) {
      EXPECT_EQ(action, "profile.events.read");
      continue;
    }
    EXPECT_EQ(entry.at("actor").as_string(), "key:flag-admin-1");
    actions.push_back(std::move(action));
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"keys.create", "keys.rotate", "keys.revoke"}));
  auto verified = VerifyAuditLog(audit_->path());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok()) << verified->problem;
}

TEST_F(KeyApiTest, AFeedbackKeyReportsBouncesAndNothingElse) {
  auto created = Admin("POST", "/v1/keys", R"({"name":"bounces","scopes":["feedback"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const json::value answer = json::parse(created.body);
  EXPECT_EQ(json::serialize(answer.at("key").at("scopes")), R"(["feedback"])");
  const std::string secret(answer.at("secret").as_string());
  auto report = http_->Post("/v1/email/feedback",
                            R"({"type":"bounce","recipient":"x@example.org"})", BasicAuth(secret));
  EXPECT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(json::parse(report.body).at("unmatched").as_int64(), 1);
  EXPECT_EQ(http_->Get("/v1/stats", BasicAuth(secret)).status, 403);
  EXPECT_EQ(http_->Post("/v1/track", R"({"userId":"u","event":"X"})", BasicAuth(secret)).status,
            403);
  EXPECT_EQ(Admin("POST", "/v1/keys", R"({"name":"x","scopes":["bounce"]})").status, 400);
}

TEST_F(KeyApiTest, RotationWithoutGraceAndDefaults) {
  auto created = Admin("POST", "/v1/keys", R"({"name":"reports","scopes":["read"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  json::object answer = json::parse(created.body).as_object();
  const std::string id(answer.at("key").at("id").as_string());
  const std::string first(answer.at("secret").as_string());
  EXPECT_TRUE(answer.at("key").at("source").is_null());

  auto immediate = Admin("POST", "/v1/keys/" + id + "/rotate", R"({"graceSeconds":0})");
  ASSERT_EQ(immediate.status, 200);
  EXPECT_TRUE(json::parse(immediate.body).at("previousSecretValidUntil").is_null());
  EXPECT_EQ(http_->Get("/v1/stats", BasicAuth(first)).status, 401);
  const std::string second(json::parse(immediate.body).at("secret").as_string());
  EXPECT_EQ(http_->Get("/v1/stats", BasicAuth(second)).status, 200);

  auto defaulted = Admin("POST", "/v1/keys/" + id + "/rotate");  // no body: one day of grace
  ASSERT_EQ(defaulted.status, 200) << defaulted.body;
  clock_.Advance(86'399 * kMicrosPerSecond);
  EXPECT_EQ(http_->Get("/v1/stats", BasicAuth(second)).status, 200);
  clock_.Advance(1 * kMicrosPerSecond);
  EXPECT_EQ(http_->Get("/v1/stats", BasicAuth(second)).status, 401);

  // An expiring key stops at its time.
  auto expiring = Admin("POST", "/v1/keys",
                        R"({"name":"temp","scopes":["read"],"expiresAt":")" +
                            FormatTimestamp(clock_.NowMicros() + 10 * kMicrosPerSecond) + "\"}");
  ASSERT_EQ(expiring.status, 201) << expiring.body;
  const std::string temp(json::parse(expiring.body).at("secret").as_string());
  EXPECT_EQ(http_->Get("/v1/stats", BasicAuth(temp)).status, 200);
  clock_.Advance(10 * kMicrosPerSecond);
  EXPECT_EQ(http_->Get("/v1/stats", BasicAuth(temp)).status, 401);
}

TEST_F(KeyApiTest, InvalidRequestsNameTheProblem) {
  struct Case {
    std::string method, target, body;
    int status;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/keys", "not json", 400, "malformed JSON"},
      {"POST", "/v1/keys", "[]", 400, "JSON object"},
      {"POST", "/v1/keys", R"({"scopes":["read"]})", 400, "'name'"},
      {"POST", "/v1/keys", R"({"name":"x"})", 400, "'scopes'"},
      {"POST", "/v1/keys", R"({"name":"x","scopes":"read"})", 400, "'scopes'"},
      {"POST", "/v1/keys", R"({"name":"x","scopes":["root"]})", 400, "unknown scope 'root'"},
      {"POST", "/v1/keys", R"({"name":"x","scopes":[]})", 400, "'scopes'"},
      {"POST", "/v1/keys", R"({"name":"x","scopes":["write"]})", 400, "'source'"},
      {"POST", "/v1/keys", R"({"name":"x","scopes":["read"],"allowedOrigins":"*"})", 400,
       "'allowedOrigins'"},
      {"POST", "/v1/keys", R"({"name":"x","scopes":["read"],"allowedOrigins":["x.example"]})", 400,
       "'allowedOrigins'"},
      {"POST", "/v1/keys", R"({"name":"x","scopes":["read"],"expiresAt":"yesterday"})", 400,
       "'expiresAt'"},
      {"POST", "/v1/keys", R"({"name":"x","scopes":["read"],"expiresAt":"2001-01-01"})", 400,
       "'expiresAt'"},
      {"POST", "/v1/keys", R"({"name":"x","scopes":["read"],"scope":"admin"})", 400,
       "unknown field 'scope'"},
      {"POST", "/v1/keys/key_0000000000000000/rotate", "", 404, "no API key"},
      {"POST", "/v1/keys/key_0000000000000000/rotate", R"({"graceSeconds":"1"})", 400,
       "'graceSeconds'"},
      {"POST", "/v1/keys/key_0000000000000000/rotate", R"({"graceSeconds":-5})", 400,
       "'graceSeconds'"},
      {"DELETE", "/v1/keys/key_0000000000000000", "", 404, "no API key"},
      {"DELETE", "/v1/keys/flag-write-1", "", 400, "`serve` flag"},
      {"POST", "/v1/keys/flag-admin-1/rotate", "", 400, "`serve` flag"},
  };
  for (const Case& c : cases) {
    auto response = Admin(c.method, c.target, c.body);
    EXPECT_EQ(response.status, c.status) << c.target << " " << c.body << ": " << response.body;
    EXPECT_NE(response.body.find(c.error), std::string::npos)
        << c.target << " " << c.body << ": " << response.body;
  }
  EXPECT_EQ(server_->key_store().size(), 0u);
  EXPECT_EQ(audit_->entries(), 0u);
}

}  // namespace
}  // namespace mercato::testing

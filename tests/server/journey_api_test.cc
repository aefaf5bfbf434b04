// Journeys over HTTP: validation with paths, create, versions, activation against segments,
// pause, deletion of drafts, and scopes.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>

#include <boost/json.hpp>

#include "journey/journey_store.h"
#include "pipeline/tracking.h"
#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

constexpr const char* kVipJourney = R"({"id": "vip-welcome", "name": "VIP welcome",
  "trigger": {"segmentEntered": "vip"},
  "steps": [{"id": "wait", "wait": "30m"},
            {"id": "hello", "send": {"channel": "email", "template": "vip-hello"}}]})";

class JourneyApiTest : public ::testing::Test {
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

TEST_F(JourneyApiTest, ValidateReportsEveryErrorWithItsPath) {
  auto bad = Admin("POST", "/v1/journeys/validate",
                   R"({"id": "j", "name": "J", "trigger": {"event": "Signed Up"},
                       "steps": [{"id": "a", "wait": "forever"},
                                 {"id": "b", "send": {"channel": "email"}, "next": "zz"}]})");
  ASSERT_EQ(bad.status, 200) << bad.body;
  json::object result = json::parse(bad.body).as_object();
  EXPECT_FALSE(result.at("valid").as_bool());
  const json::array& errors = result.at("errors").as_array();
  // The step graph (the dangling "zz") is checked once every step itself is valid.
  ASSERT_EQ(errors.size(), 2u) << bad.body;
  EXPECT_EQ(errors[0].at("path").as_string(), "steps[0].wait");
  EXPECT_EQ(errors[1].at("path").as_string(), "steps[1].send.template");
  auto dangling = Admin("POST", "/v1/journeys/validate",
                        R"({"id": "j", "name": "J", "trigger": {"event": "Signed Up"},
                            "steps": [{"id": "b", "send": {"channel": "push", "template": "t"},
                                       "next": "zz"}]})");
  ASSERT_EQ(dangling.status, 200);
  const json::value dangling_result = json::parse(dangling.body);
  const json::array& graph = dangling_result.at("errors").as_array();
  ASSERT_EQ(graph.size(), 1u) << dangling.body;
  EXPECT_EQ(graph[0].at("path").as_string(), "steps[0].next");

  auto good = Admin("POST", "/v1/journeys/validate", kVipJourney);
  ASSERT_EQ(good.status, 200) << good.body;
  json::object ok = json::parse(good.body).as_object();
  EXPECT_TRUE(ok.at("valid").as_bool());
  EXPECT_EQ(ok.at("definition").at("steps").at(0).at("wait").as_string(), "30m");

  // Creating an invalid journey is a 400 with the same list; nothing is stored.
  auto refused = Admin("POST", "/v1/journeys", R"({"id": "x", "name": "X", "steps": []})");
  ASSERT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(json::parse(refused.body).at("errors").as_array().size(), 2u) << refused.body;
  EXPECT_EQ(http_.Get("/v1/journeys/x", BasicAuth(kReadKey)).status, 404);
}

TEST_F(JourneyApiTest, CreateVersionActivatePauseAndDelete) {
  auto created = Admin("POST", "/v1/journeys", kVipJourney);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(json::parse(created.body).at("status").as_string(), "draft");
  EXPECT_EQ(Admin("POST", "/v1/journeys", kVipJourney).status, 409);

  // Its trigger's segment does not exist yet: activation is refused.
  auto early = Admin("POST", "/v1/journeys/vip-welcome/activate");
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_NE(early.body.find("segment 'vip' does not exist"), std::string::npos) << early.body;
  auto segment =
      Admin("POST", "/v1/segments", R"({"id": "vip", "name": "VIP", "rule": "orders >= 3"})");
  ASSERT_EQ(segment.status, 201) << segment.body;
  auto active = Admin("POST", "/v1/journeys/vip-welcome/activate");
  ASSERT_EQ(active.status, 200) << active.body;
  EXPECT_EQ(json::parse(active.body).at("status").as_string(), "active");

  std::string edited = kVipJourney;
  edited.replace(edited.find("30m"), 3, "2h");
  auto updated = Admin("PUT", "/v1/journeys/vip-welcome", edited);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(json::parse(updated.body).at("version").as_int64(), 2);
  auto v1 = http_.Get("/v1/journeys/vip-welcome?version=1", BasicAuth(kReadKey));
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_EQ(json::parse(v1.body).at("definition").at("steps").at(0).at("wait").as_string(), "30m");
  auto current = http_.Get("/v1/journeys/vip-welcome", BasicAuth(kReadKey));
  ASSERT_EQ(current.status, 200);
  EXPECT_EQ(json::parse(current.body).at("definitionVersion").as_int64(), 2);
  EXPECT_EQ(http_.Get("/v1/journeys/vip-welcome?version=zero", BasicAuth(kReadKey)).status, 400);

  auto list = http_.Get("/v1/journeys", BasicAuth(kReadKey));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body).at("journeys").as_array().size(), 1u);

  EXPECT_EQ(Admin("POST", "/v1/journeys/vip-welcome/pause").status, 200);
  EXPECT_EQ(Admin("POST", "/v1/journeys/vip-welcome/pause").status, 409);
  EXPECT_EQ(Admin("DELETE", "/v1/journeys/vip-welcome").status, 409);
  EXPECT_EQ(Admin("DELETE", "/v1/journeys/nobody").status, 404);
}

TEST_F(JourneyApiTest, StatsCountWhatTheEngineDid) {
  EXPECT_EQ(http_.Get("/v1/journeys/nobody/stats", BasicAuth(kReadKey)).status, 404);
  auto created = Admin("POST", "/v1/journeys", R"({"id": "signup", "name": "Signup",
      "trigger": {"event": "Signed Up"}, "steps": [{"id": "hold", "wait": "1d"}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_EQ(Admin("POST", "/v1/journeys/signup/activate").status, 200);
  auto idle = http_.Get("/v1/journeys/signup/stats", BasicAuth(kReadKey));
  ASSERT_EQ(idle.status, 200) << idle.body;
  EXPECT_TRUE(json::parse(idle.body).at("steps").as_array().empty()) << idle.body;

  auto sent =
      http_.Post("/v1/track", R"({"userId": "sam", "event": "Signed Up"})", BasicAuth(kWriteKey));
  ASSERT_EQ(sent.status, 200) << sent.body;
  std::map<std::string, int64_t> counters;  // "<step>/<counter>"
  EXPECT_TRUE(WaitFor([&] {
    auto stats = http_.Get("/v1/journeys/signup/stats", BasicAuth(kReadKey));
    if (stats.status != 200) return false;
    counters.clear();
    const json::value body = json::parse(stats.body);
    for (const auto& entry : body.at("steps").as_array()) {
      for (const auto& [name, value] : entry.at("counters").as_object()) {
        counters[std::string(entry.at("step").as_string()) + "/" + std::string(name)] =
            value.to_number<int64_t>();
      }
    }
    return counters["/entered"] > 0;
  }));
  EXPECT_EQ(counters["/entered"], 1);
  EXPECT_EQ(counters["hold/reached"], 1);
  EXPECT_EQ(counters["/exited"], 0);
}

TEST_F(JourneyApiTest, OneClickUnsubscribeSuppressesAndWithdrawsConsent) {
  auto identified = http_.Post("/v1/identify", R"({"userId": "una", "traits":
      {"email": "una@example.test"}, "context": {"consent": {"categoryPreferences":
      {"email": true}}}})",
                               BasicAuth(kWriteKey));
  ASSERT_EQ(identified.status, 200) << identified.body;
  Result<std::string> customer = Status::NotFound("");
  WaitFor([&] {
    customer = server_.profiles().Resolve("una");
    return customer.ok();
  });
  ASSERT_TRUE(customer.ok()) << customer.status().ToString();
  const std::string token = UnsubscribeToken(server_.unsubscribe_secret(), *customer, "email");
  auto click = [this](const std::string& target) {
    return http_.Request("POST", target, "List-Unsubscribe=One-Click",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  };

  // A GET only asks: mail scanners fetch links.
  auto page = http_.Get("/v1/unsubscribe?token=" + token);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("method=\"post\""), std::string::npos) << page.body;
  EXPECT_FALSE(server_.delivery().Suppression(*customer, "email").ok());
  // Forged or altered tokens change nothing.
  std::string forged = token;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(click("/v1/unsubscribe?token=" + forged).status, 400);
  EXPECT_EQ(click("/v1/unsubscribe?token=" + UnsubscribeToken("other", *customer, "email")).status,
            400);
  EXPECT_EQ(click("/v1/unsubscribe").status, 400);
  EXPECT_FALSE(server_.delivery().Suppression(*customer, "email").ok());

  // The one-click POST, twice: suppressed at once, consent withdrawn by the event.
  for (int repeat = 0; repeat < 2; ++repeat) {
    auto done = click("/v1/unsubscribe?token=" + token);
    ASSERT_EQ(done.status, 200) << done.body;
  }
  auto reason = server_.delivery().Suppression(*customer, "email");
  ASSERT_TRUE(reason.ok());
  EXPECT_EQ(*reason, "unsubscribed");
  EXPECT_TRUE(WaitFor([&] {
    auto profile = server_.profiles().ProfileJson(*customer);
    if (!profile.ok()) return false;
    const json::value parsed = json::parse(*profile);
    const json::value* consent = parsed.at("consent").as_object().if_contains("email_marketing");
    return consent != nullptr && consent->is_object() &&
           consent->as_object().at("granted") == json::value(false);
  }));
}

TEST_F(JourneyApiTest, OpensAndClicksBecomeEventsOfTheCustomer) {
  ASSERT_EQ(http_
                .Post("/v1/identify", R"({"userId": "otto", "traits": {"plan": "x"}})",
                      BasicAuth(kWriteKey))
                .status,
            200);
  Result<std::string> customer = Status::NotFound("");
  WaitFor([&] {
    customer = server_.profiles().Resolve("otto");
    return customer.ok();
  });
  ASSERT_TRUE(customer.ok()) << customer.status().ToString();
  const std::string key = "news/" + *customer + "/1/3/hello";
  const std::string token = TrackingToken(server_.tracking_secret(), key);

  // The pixel answers a GIF whatever the token, so tokens cannot be probed.
  for (const std::string& t : {token, std::string("forged.00")}) {
    auto pixel = http_.Get("/v1/email/open?t=" + t);
    ASSERT_EQ(pixel.status, 200);
    EXPECT_EQ(pixel.Header("Content-Type"), "image/gif");
    EXPECT_TRUE(pixel.body.starts_with("GIF89a"));
  }
  const std::string url = "https://shop.test/p?id=1&ref=mail";
  const std::string target = "/v1/email/click?t=" + token + "&u=" + PercentEncode(url) +
                             "&s=" + ClickSignature(server_.tracking_secret(), token, url);
  auto click = http_.Get(target);
  ASSERT_EQ(click.status, 302) << click.body;
  EXPECT_EQ(click.Header("Location"), url);
  // Another URL under the same signature is refused: no open redirect.
  std::string other = target;
  other.replace(other.find("shop.test"), 9, "evil.test");
  EXPECT_EQ(http_.Get(other).status, 400);
  EXPECT_EQ(http_.Get("/v1/email/click?t=" + token).status, 400);

  EXPECT_TRUE(WaitFor([&] {
    auto events = http_.Get("/v1/profiles/" + *customer + "/events", BasicAuth(kAdminKey));
    return events.body.find("Email Opened") != std::string::npos &&
           events.body.find("Email Link Clicked") != std::string::npos &&
           events.body.find("\"step\":\"hello\"") != std::string::npos;
  }));
}

TEST_F(JourneyApiTest, ReadKeysCannotChangeJourneys) {
  auto response =
      http_.Request("POST", "/v1/journeys", kVipJourney, {{"Authorization", BasicAuth(kReadKey)}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(http_.Get("/v1/journeys", BasicAuth(kWriteKey)).status, 403);
}

// Cluster mode: every change is shared with the journey's whole state after it is made here; a
// change that cannot be shared is undone and answered 503.
TEST(JourneySharingTest, ChangesAreSharedWholeAndUndoneWhenSharingFails) {
  struct Shared {
    std::string id;
    std::optional<journey::JourneyReplica> replica;
  };
  std::mutex mu;
  std::vector<Shared> shared;
  std::atomic<bool> refuse{false};
  TestServerOptions options;
  options.journey_share = [&](std::string_view id, const journey::JourneyReplica* replica) {
    if (refuse) return Status::Unavailable("kafka is away");
    std::lock_guard lock(mu);
    shared.push_back(Shared{
        std::string(id),
        replica == nullptr ? std::nullopt : std::optional<journey::JourneyReplica>(*replica)});
    return Status::Ok();
  };
  TestServer server(std::move(options));
  ASSERT_TRUE(server.start_status().ok());
  HttpClient http(server.port());
  auto admin = [&](const std::string& method, const std::string& path,
                   const std::string& body = "") {
    return http.Request(method, path, body, {{"Authorization", BasicAuth(kAdminKey)}});
  };
  const std::string later =
      std::string(kVipJourney).replace(std::string(kVipJourney).find("30m"), 3, "2h");

  ASSERT_EQ(admin("POST", "/v1/journeys", kVipJourney).status, 201);
  ASSERT_EQ(admin("PUT", "/v1/journeys/vip-welcome", later).status, 200);
  // An unchanged definition changes nothing, so nothing is shared.
  ASSERT_EQ(admin("PUT", "/v1/journeys/vip-welcome", later).status, 200);
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(shared.size(), 2u);
    EXPECT_EQ(shared[0].id, "vip-welcome");
    ASSERT_TRUE(shared[1].replica.has_value());
    EXPECT_EQ(shared[1].replica->record.version, 2u);
    ASSERT_EQ(shared[1].replica->versions.size(), 2u);
    EXPECT_NE(shared[1].replica->versions[1].find("2h"), std::string::npos);
  }

  refuse = true;
  const std::string third =
      std::string(kVipJourney).replace(std::string(kVipJourney).find("30m"), 3, "3h");
  auto refused_update = admin("PUT", "/v1/journeys/vip-welcome", third);
  EXPECT_EQ(refused_update.status, 503) << refused_update.body;
  auto refused_create = admin("POST", "/v1/journeys", R"({"id": "other", "name": "Other",
      "trigger": {"event": "Signed Up"}, "steps": [{"id": "w", "wait": "1h"}]})");
  EXPECT_EQ(refused_create.status, 503) << refused_create.body;
  EXPECT_EQ(admin("DELETE", "/v1/journeys/vip-welcome").status, 503);
  // Each refused change was undone: still version 2, no "other", not deleted.
  auto current = admin("GET", "/v1/journeys/vip-welcome");
  ASSERT_EQ(current.status, 200);
  EXPECT_EQ(json::parse(current.body).at("version").as_int64(), 2);
  EXPECT_EQ(admin("GET", "/v1/journeys/vip-welcome?version=3").status, 404);
  EXPECT_EQ(admin("GET", "/v1/journeys/other").status, 404);

  refuse = false;
  ASSERT_EQ(admin("DELETE", "/v1/journeys/vip-welcome").status, 204);
  std::lock_guard lock(mu);
  ASSERT_EQ(shared.size(), 3u);
  EXPECT_EQ(shared[2].id, "vip-welcome");
  EXPECT_FALSE(shared[2].replica.has_value());
}

}  // namespace
}  // namespace mercato::testing

// Delivery failures end to end: `mercato serve` runs a one-message journey for twenty customers
// and three troublemakers at a real SMTP server (tests/tools/smtp_receiver.py) that refuses one
// recipient for good (550), defers one (451) and never answers for one. The twenty are delivered
// once each; the three are retried until their attempts run out (the refused one at once) and
// end in the dead-letter list, which the journey's counters show. Then the mail server's later
// report about one of the delivered e-mails (a DSN naming its real Message-ID) comes back through
// /v1/email/feedback with a feedback key, and is counted as a bounce of the step that sent it.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>

#include "support/http_client.h"
#include "support/receiver_process.h"
#include "support/server_process.h"
#include "support/test_support.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

constexpr char kKey[] = "delivery-failure-admin-key";
constexpr int kGood = 20;

ClientResponse Admin(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body = {}) {
  HttpClient http(port);
  return http.Request(method, target, body,
                      {{"Authorization", BasicAuth(kKey)}, {"Content-Type", "application/json"}});
}

// The journey's delivery counters for its send step, summed over variants.
std::map<std::string, int64_t> SendCounters(uint16_t port) {
  std::map<std::string, int64_t> counters;
  auto stats = Admin(port, "GET", "/v1/journeys/hello/stats");
  if (stats.status != 200) return counters;
  const json::value body = json::parse(stats.body);
  for (const auto& entry : body.at("steps").as_array()) {
    if (entry.at("step").as_string() != "send") continue;
    for (const auto& [name, value] : entry.at("counters").as_object()) {
      counters[std::string(name)] += value.to_number<int64_t>();
    }
  }
  return counters;
}

TEST(DeliveryFailureTest, FailuresAreRetriedThenDeadLetteredAndNobodyElseWaitsOrRepeats) {
  TempDir dir;
  ReceiverProcess receiver("smtp_receiver.py");
  std::string error;
  ASSERT_TRUE(receiver.Start(dir.path() / "mail",
                             {"--refuse", "gone@example.test", "--defer", "busy@example.test",
                              "--stall", "slow@example.test"},
                             error))
      << error;
  ServerProcess server;
  server.stderr_path = (dir.path() / "server.log").string();
  ASSERT_TRUE(server.Start({"--data-dir", (dir.path() / "data").string(), "--admin-key", kKey,
                            "--smtp-url", receiver.Url("smtp"), "--mail-from", "shop@example.test",
                            "--delivery-attempts", "3", "--delivery-backoff-ms", "200",
                            "--smtp-timeout-ms", "1000", "--public-url", "https://mail.shop.test/"},
                           error))
      << error;
  const uint16_t port = server.port();
  auto tmpl = Admin(port, "PUT", "/v1/templates/hello",
                    R"({"name": "Hello", "subject": "Hello {{first_name}}", "text": "Hi.",
                        "html": "<p>Hi. <a href=\"https://shop.test/new\">New</a></p>"})");
  ASSERT_TRUE(tmpl.status == 200 || tmpl.status == 201) << tmpl.body;
  ASSERT_EQ(Admin(port, "POST", "/v1/journeys", R"({"id": "hello", "name": "Hello",
      "trigger": {"event": "Signed Up"},
      "steps": [{"id": "send", "send": {"channel": "email", "template": "hello"}}]})")
                .status,
            201);
  ASSERT_EQ(Admin(port, "POST", "/v1/journeys/hello/activate").status, 200);

  // The troublemakers first, so that every good message queues behind them.
  std::vector<std::string> users = {"gone", "busy", "slow"};
  for (int i = 0; i < kGood; ++i) users.push_back("ok" + std::to_string(i));
  json::array batch;
  for (const std::string& user : users) {
    batch.push_back(
        json::object{{"type", "identify"},
                     {"userId", user},
                     {"traits", {{"email", user + "@example.test"}, {"first_name", user}}},
                     {"context", {{"consent", {{"categoryPreferences", {{"email", true}}}}}}}});
    batch.push_back(json::object{{"type", "track"}, {"userId", user}, {"event", "Signed Up"}});
  }
  HttpClient http(port);
  auto sent =
      http.Post("/v1/batch", json::serialize(json::object{{"batch", batch}}), BasicAuth(kKey));
  ASSERT_EQ(sent.status, 200) << sent.body;

  // Once 20 are sent and 3 dead every message is finished: nothing more can be sent.
  std::map<std::string, int64_t> counters;
  EXPECT_TRUE(WaitFor(
      [&] {
        counters = SendCounters(port);
        return counters["sent"] >= kGood && counters["dead"] >= 3;
      },
      90'000));

  // A bounce after acceptance: the DSN a mail server would return for ok0's e-mail.
  std::string message_id;
  for (const json::value& message : receiver.Messages()) {
    if (message.at("rcpt_to").as_string() == "ok0@example.test") {
      message_id = std::string(message.at("headers").at("Message-ID").as_string());
    }
  }
  ASSERT_FALSE(message_id.empty());
  auto key = Admin(port, "POST", "/v1/keys", R"({"name":"bounces","scopes":["feedback"]})");
  ASSERT_EQ(key.status, 201) << key.body;
  const std::string feedback_key(json::parse(key.body).at("secret").as_string());
  const std::string dsn =
      "From: MAILER-DAEMON@mx.example.test\r\nContent-Type: multipart/report; "
      "report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: "
      "message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.test\r\n\r\n"
      "Final-Recipient: rfc822; ok0@example.test\r\nAction: failed\r\nStatus: 5.2.1\r\n\r\n"
      "--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: " +
      message_id + "\r\n\r\n--b--\r\n";
  auto reported = http.Request(
      "POST", "/v1/email/feedback", dsn,
      {{"Authorization", BasicAuth(feedback_key)}, {"Content-Type", "message/rfc822"}});
  ASSERT_EQ(reported.status, 200) << reported.body;
  EXPECT_EQ(json::parse(reported.body).at("suppressed").as_int64(), 1) << reported.body;
  std::map<std::string, int64_t> after;
  EXPECT_TRUE(WaitFor(
      [&] {
        after = SendCounters(port);
        return after["bounced"] >= 1;
      },
      30'000));
  EXPECT_EQ(after["bounced"], 1);
  EXPECT_EQ(server.Terminate(), 0);

  EXPECT_EQ(counters["sent"], kGood);
  EXPECT_EQ(counters["dead"], 3);
  // The deferred and the stalled recipient were tried three times each: two retries apiece.
  EXPECT_EQ(counters["retried"], 4);
  std::map<std::string, int> received;
  for (const json::value& message : receiver.Messages()) {
    ++received[std::string(message.at("rcpt_to").as_string())];
    // With a public URL: one-click unsubscribe, a tracked link and the open pixel.
    const std::string html(message.at("html").as_string());
    EXPECT_NE(html.find("https://mail.shop.test/v1/email/click?t="), std::string::npos) << html;
    EXPECT_NE(html.find("https://mail.shop.test/v1/email/open?t="), std::string::npos) << html;
    const auto& headers = message.at("headers").as_object();
    EXPECT_TRUE(std::string(headers.at("List-Unsubscribe").as_string())
                    .starts_with("<https://mail.shop.test/v1/unsubscribe?token="))
        << json::serialize(headers);
  }
  EXPECT_EQ(received.size(), static_cast<size_t>(kGood));
  for (int i = 0; i < kGood; ++i) {
    EXPECT_EQ(received["ok" + std::to_string(i) + "@example.test"], 1) << i;
  }
  EXPECT_EQ(received.count("gone@example.test"), 0u);
  EXPECT_EQ(received.count("busy@example.test"), 0u);
  EXPECT_EQ(received.count("slow@example.test"), 0u);
}

}  // namespace
}  // namespace mercato::testing

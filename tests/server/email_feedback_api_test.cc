// POST /v1/email/feedback over HTTP: bounces from a mail server's DSN, complaints as ESP JSON,
// what suppresses and what does not, repeats, and input refused before anything is applied.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

// A bounce as a mail server's bounce mailbox would pipe it in.
std::string Dsn(const std::string& recipient, const std::string& action,
                const std::string& status) {
  return "From: MAILER-DAEMON@mx.example.net\r\n"
         "Subject: Undelivered Mail Returned to Sender\r\n"
         "Content-Type: multipart/report; report-type=delivery-status; boundary=\"=b=\"\r\n"
         "\r\n"
         "--=b=\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered to " +
         recipient +
         ".\r\n"
         "--=b=\r\nContent-Type: message/delivery-status\r\n\r\n"
         "Reporting-MTA: dns; mx.example.net\r\n\r\n"
         "Final-Recipient: rfc822; " +
         recipient + "\r\nAction: " + action + "\r\nStatus: " + status +
         "\r\nDiagnostic-Code: smtp; 550 " + status + " <" + recipient +
         ">: user unknown\r\n\r\n"
         "--=b=\r\nContent-Type: text/rfc822-headers\r\n\r\n"
         "To: <" +
         recipient + ">\r\nMessage-ID: <not-one-of-ours@elsewhere.example>\r\n\r\n--=b=--\r\n";
}

class EmailFeedbackApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start_status().ok());
    for (const char* user : {"ann", "bob", "cyd"}) {
      const std::string body = std::string(R"({"userId":")") + user + R"(","traits":{"email":")" +
                               user + R"(@example.org"}})";
      ASSERT_EQ(http_.Post("/v1/identify", body, BasicAuth(kWriteKey)).status, 200);
    }
    ASSERT_TRUE(server_.WaitForProfiles());
  }

  ClientResponse Feedback(const std::string& body, const std::string& type,
                          const char* key = kFeedbackKey) {
    return http_.Request("POST", "/v1/email/feedback", body,
                         {{"Authorization", BasicAuth(key)}, {"Content-Type", type}});
  }

  std::string Suppression(const std::string& user) {
    auto customer = server_.profiles().Resolve(user);
    if (!customer.ok()) return "no customer";
    auto reason = server_.delivery().Suppression(*customer, "email");
    return reason.ok() ? *reason : "";
  }

  // The customer's events named `name`.
  std::vector<json::object> Events(const std::string& user, const std::string& name) {
    std::vector<json::object> out;
    auto page = http_.Get("/v1/profiles/" + user + "/events?limit=100", BasicAuth(kReadKey));
    EXPECT_EQ(page.status, 200) << page.body;
    if (page.status != 200) return out;
    const json::value parsed = json::parse(page.body);
    for (const json::value& event : parsed.at("events").as_array()) {
      const json::value* named = event.as_object().if_contains("event");
      if (named != nullptr && named->is_string() && named->get_string() == name) {
        out.push_back(event.as_object());
      }
    }
    return out;
  }

  TestServer server_;
  HttpClient http_{server_.port()};
};

TEST_F(EmailFeedbackApiTest, AHardBounceSuppressesEmailAndIsOneEventHoweverOftenSent) {
  for (int repeat = 0; repeat < 2; ++repeat) {
    auto response = Feedback(Dsn("Ann@Example.org", "failed", "5.1.1"), "message/rfc822");
    ASSERT_EQ(response.status, 200) << response.body;
    const json::object result = json::parse(response.body).as_object();
    EXPECT_EQ(result.at("received").as_int64(), 1);
    EXPECT_EQ(result.at("matched").as_int64(), 1);
    EXPECT_EQ(result.at("suppressed").as_int64(), 1);
    EXPECT_EQ(result.at("outcomes").as_array().at(0).as_string(), "suppressed");
  }
  EXPECT_EQ(Suppression("ann"), "bounced");
  EXPECT_EQ(Suppression("bob"), "");
  ASSERT_TRUE(server_.WaitForProfiles());
  const std::vector<json::object> bounces = Events("ann", "Email Bounced");
  ASSERT_EQ(bounces.size(), 1u);
  const json::object& properties = bounces[0].at("properties").as_object();
  EXPECT_TRUE(properties.at("permanent").as_bool());
  EXPECT_EQ(properties.at("status").as_string(), "5.1.1");
  EXPECT_EQ(properties.at("smtpCode").as_int64(), 550);
  // Neither the address nor the server's free text goes into the event.
  EXPECT_EQ(json::serialize(bounces[0]).find("example.org"), std::string::npos)
      << json::serialize(bounces[0]);
}

TEST_F(EmailFeedbackApiTest, ADelayOrTemporaryBounceSuppressesNothing) {
  auto delayed = Feedback(Dsn("bob@example.org", "delayed", "4.4.7"), "message/rfc822");
  ASSERT_EQ(delayed.status, 200) << delayed.body;
  EXPECT_EQ(json::parse(delayed.body).at("outcomes").at(0).as_string(), "recorded");
  auto soft = Feedback(R"({"type":"bounce","recipient":"bob@example.org","status":"4.2.2"})",
                       "application/json");
  ASSERT_EQ(soft.status, 200) << soft.body;
  EXPECT_EQ(json::parse(soft.body).at("suppressed").as_int64(), 0);
  EXPECT_EQ(Suppression("bob"), "");
  ASSERT_TRUE(server_.WaitForProfiles());
  const std::vector<json::object> bounces = Events("bob", "Email Bounced");
  ASSERT_EQ(bounces.size(), 2u);  // different statuses: two reports
  for (const json::object& bounce : bounces) {
    EXPECT_FALSE(bounce.at("properties").at("permanent").as_bool());
  }
}

TEST_F(EmailFeedbackApiTest, AComplaintSuppressesAndWithdrawsEmailConsent) {
  ASSERT_EQ(
      http_
          .Post("/v1/privacy/consent", R"({"userId":"cyd","purposes":{"email_marketing":true}})",
                BasicAuth(kWriteKey))
          .status,
      200);
  ASSERT_TRUE(server_.WaitForProfiles());
  auto response = Feedback(
      R"({"feedback":[{"type":"complaint","recipient":"cyd@example.org","feedbackType":"abuse"},
                      {"type":"bounce","recipient":"nobody@example.org"}]})",
      "application/json; charset=utf-8");
  ASSERT_EQ(response.status, 200) << response.body;
  const json::object result = json::parse(response.body).as_object();
  EXPECT_EQ(result.at("matched").as_int64(), 1);
  EXPECT_EQ(result.at("unmatched").as_int64(), 1);
  EXPECT_EQ(json::serialize(result.at("outcomes")), R"(["suppressed","unmatched"])");
  EXPECT_EQ(Suppression("cyd"), "complained");
  ASSERT_TRUE(server_.WaitForProfiles());
  ASSERT_EQ(Events("cyd", "Email Marked as Spam").size(), 1u);
  auto profile = json::parse(http_.Get("/v1/profiles/cyd", BasicAuth(kReadKey)).body);
  EXPECT_FALSE(profile.at("consent").at("email_marketing").at("granted").as_bool());
}

TEST_F(EmailFeedbackApiTest, BadInputIsRefusedBeforeAnythingIsApplied) {
  const uint64_t records = server_.log().TotalRecords();
  // The first item is good, the second is not: nothing of either is applied.
  auto partly = Feedback(R"([{"type":"bounce","recipient":"ann@example.org"},{"type":"oops"}])",
                         "application/json");
  EXPECT_EQ(partly.status, 400);
  EXPECT_NE(partly.body.find("feedback[1].type"), std::string::npos) << partly.body;
  auto not_report =
      Feedback("Subject: hi\r\nContent-Type: text/plain\r\n\r\nhello\r\n", "message/rfc822");
  EXPECT_EQ(not_report.status, 400);
  EXPECT_NE(not_report.body.find("multipart/report"), std::string::npos) << not_report.body;
  auto html = Feedback("<p>bounce</p>", "text/html");
  EXPECT_EQ(html.status, 415) << html.body;
  // Only keys with the feedback scope (or admin) may report.
  EXPECT_EQ(Feedback(Dsn("ann@example.org", "failed", "5.1.1"), "message/rfc822", kWriteKey).status,
            403);
  EXPECT_EQ(Feedback(Dsn("ann@example.org", "failed", "5.1.1"), "message/rfc822", kReadKey).status,
            403);
  EXPECT_EQ(Suppression("ann"), "");
  EXPECT_EQ(server_.log().TotalRecords(), records);
  // A feedback key can do nothing else.
  EXPECT_EQ(http_.Get("/v1/profiles/ann", BasicAuth(kFeedbackKey)).status, 403);
  EXPECT_EQ(
      http_.Post("/v1/track", R"({"userId":"ann","event":"X"})", BasicAuth(kFeedbackKey)).status,
      403);
}

}  // namespace
}  // namespace mercato::testing

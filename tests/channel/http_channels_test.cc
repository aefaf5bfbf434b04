// Webhook, push and audience channels against a real HTTP server (tests/tools/http_receiver.py),
// which checks the webhook signature with its own HMAC implementation.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channel/audience.h"
#include "channel/http_sender.h"
#include "channel/push.h"
#include "channel/webhook.h"
#include "support/receiver_process.h"
#include "support/test_support.h"

namespace mercato::channel {
namespace {

namespace json = boost::json;
using testing::ReceiverProcess;
using testing::TempDir;

constexpr char kSecret[] = "whsec_test_0123456789";

class HttpChannelsTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> args = {}) {
    args.insert(args.end(), {"--secret", kSecret});
    std::string error;
    ASSERT_TRUE(receiver_.Start(dir_.path() / "requests", args, error)) << error;
  }
  std::string Url(const std::string& path) const { return receiver_.Url("http") + path; }
  TempDir dir_;
  ReceiverProcess receiver_{"http_receiver.py"};
};

TEST_F(HttpChannelsTest, WebhooksAreSignedSoAReceiverCanVerifyThem) {
  Start();
  const std::string body = R"({"event":"journey.step","customer":"c-1","text":"Zażółć"})";
  const int64_t now_s = 1'790'000'000;
  HttpResult result = HttpSender().Post(
      Url("/hooks/crm"), body, WebhookHeaders(kSecret, body, "welcome/c-1/hello/1", now_s));
  ASSERT_EQ(result.outcome, SendResult::Outcome::kDelivered) << result.detail;
  EXPECT_EQ(result.status, 200);
  auto received = receiver_.Messages();
  ASSERT_EQ(received.size(), 1u);
  const json::object& request = received[0].as_object();
  EXPECT_EQ(request.at("path").as_string(), "/hooks/crm");
  EXPECT_EQ(request.at("body").as_string(), body);
  EXPECT_TRUE(request.at("signature_valid").as_bool());  // Python's hmac agrees
  const json::object& headers = request.at("headers").as_object();
  EXPECT_EQ(headers.at("content-type").as_string(), "application/json");
  EXPECT_EQ(headers.at("idempotency-key").as_string(), "welcome/c-1/hello/1");

  const std::string timestamp(headers.at("x-mercato-timestamp").as_string());
  const std::string signature(headers.at("x-mercato-signature").as_string());
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, timestamp, body, signature, now_s + 60));
  EXPECT_FALSE(VerifyWebhookSignature(kSecret, timestamp, body + " ", signature, now_s));
  EXPECT_FALSE(VerifyWebhookSignature("other-secret", timestamp, body, signature, now_s));
  EXPECT_FALSE(VerifyWebhookSignature(kSecret, timestamp, body, signature, now_s + 301));  // replay
  EXPECT_FALSE(VerifyWebhookSignature(kSecret, "17x", body, signature, now_s));
}

TEST_F(HttpChannelsTest, ClassifiesResponsesForRetries) {
  Start({"--status", "/gone", "410", "--status", "/busy", "503", "--status", "/limited", "429",
         "--stall", "/slow", "--retry-after", "7"});
  HttpOptions options;
  options.timeout_ms = 1'500;
  HttpSender sender(options);
  HttpResult gone = sender.Post(Url("/gone"), "{}", {});
  EXPECT_EQ(gone.outcome, SendResult::Outcome::kPermanent);
  EXPECT_EQ(gone.status, 410);
  HttpResult busy = sender.Post(Url("/busy"), "{}", {});
  EXPECT_EQ(busy.outcome, SendResult::Outcome::kTransient);
  EXPECT_EQ(busy.retry_after_s, 7);
  EXPECT_EQ(sender.Post(Url("/limited"), "{}", {}).outcome, SendResult::Outcome::kTransient);
  HttpResult slow = sender.Post(Url("/slow"), "{}", {});
  EXPECT_EQ(slow.outcome, SendResult::Outcome::kTransient);
  EXPECT_EQ(slow.status, 0);
  EXPECT_EQ(sender.Post(Url("/fine"), "{}", {}).outcome, SendResult::Outcome::kDelivered);
  EXPECT_EQ(sender.Post("http://127.0.0.1:1/x", "{}", {}).outcome, SendResult::Outcome::kTransient);
  EXPECT_EQ(sender.Post("file:///etc/passwd", "{}", {}).outcome, SendResult::Outcome::kPermanent);
}

TEST_F(HttpChannelsTest, PushesInTheFcmShape) {
  Start();
  auto message = FcmMessage("device-token-1", "Your cart", "2 items are waiting",
                            {{"journey", "abandoned-cart"}, {"step", "push"}});
  ASSERT_TRUE(message.ok());
  HttpResult result = HttpSender().Post(Url("/v1/projects/shop/messages:send"), *message,
                                        {{"Authorization", "Bearer test-token"}});
  ASSERT_EQ(result.outcome, SendResult::Outcome::kDelivered) << result.detail;
  auto received = receiver_.Messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].at("headers").at("authorization").as_string(), "Bearer test-token");
  json::value body = json::parse(received[0].at("body").as_string());
  EXPECT_EQ(body.at("message").at("token").as_string(), "device-token-1");
  EXPECT_EQ(body.at("message").at("notification").at("title").as_string(), "Your cart");
  EXPECT_EQ(body.at("message").at("data").at("journey").as_string(), "abandoned-cart");
  EXPECT_FALSE(FcmMessage("", "t", "b", {}).ok());
  EXPECT_FALSE(FcmMessage("tok", "", "", {}).ok());
}

TEST_F(HttpChannelsTest, AudiencesCarryOnlyHashesOfNormalisedIdentifiers) {
  // Normalisation per the customer-match rules.
  EXPECT_EQ(NormaliseEmail("  Test.User@GMail.com "), "testuser@gmail.com");
  EXPECT_EQ(NormaliseEmail("Ann.Lee@Example.com"), "ann.lee@example.com");
  EXPECT_FALSE(NormaliseEmail("no-at-sign").has_value());
  EXPECT_FALSE(NormaliseEmail("a@b@c").has_value());
  EXPECT_EQ(NormalisePhone("+48 601-234-567"), "+48601234567");
  EXPECT_EQ(NormalisePhone("0048 (601) 234 567"), "+48601234567");
  EXPECT_FALSE(NormalisePhone("601 234 567").has_value());  // no country code
  EXPECT_FALSE(NormalisePhone("+48 601 234 567 ext 2").has_value());
  EXPECT_FALSE(NormalisePhone("+1234").has_value());
  // Known answers (sha256sum of the normalised text).
  EXPECT_EQ(HashIdentifier("testuser@gmail.com"),
            "dae9c7c55697ba170d6b494c458649bd469af525520280d0dcfc98d74d13b17e");
  EXPECT_EQ(HashIdentifier("+48601234567"),
            "1eac5678517f9e3cabbd08af68668ce50c627e40e523e621c04fdfea1fe1b95c");

  auto member = MakeAudienceMember("Test.User@gmail.com", "+48 601 234 567");
  ASSERT_TRUE(member.has_value());
  EXPECT_FALSE(MakeAudienceMember("", "12").has_value());
  auto email_only = MakeAudienceMember("ann@example.com", "");
  ASSERT_TRUE(email_only.has_value());
  EXPECT_EQ(AudienceCsv({*member, *email_only}),
            "Email,Phone\n"
            "dae9c7c55697ba170d6b494c458649bd469af525520280d0dcfc98d74d13b17e,"
            "1eac5678517f9e3cabbd08af68668ce50c627e40e523e621c04fdfea1fe1b95c\n" +
                email_only->email_sha256 + ",\n");

  Start();
  const std::string removal = AudienceUpdateJson("lapsed", false, {*member});
  HttpResult result = HttpSender().Post(Url("/audiences"), removal,
                                        WebhookHeaders(kSecret, removal, "lapsed/remove/1", 1));
  ASSERT_EQ(result.outcome, SendResult::Outcome::kDelivered) << result.detail;
  auto received = receiver_.Messages();
  ASSERT_EQ(received.size(), 1u);
  const std::string body(received[0].at("body").as_string());
  EXPECT_EQ(json::parse(body).at("action").as_string(), "remove");
  // Nothing personal leaves: neither the e-mail nor the phone in any form.
  for (const char* secret : {"testuser", "Test.User", "601234567", "601 234 567"}) {
    EXPECT_EQ(body.find(secret), std::string::npos) << secret;
  }
}

}  // namespace
}  // namespace mercato::channel

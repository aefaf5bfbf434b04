// The SMTP channel against a real SMTP server (aiosmtpd): what arrives is parsed as a mail client
// would, failures are classified for retries, and STARTTLS is used when offered.

#include "channel/smtp_sender.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "channel/smtp_session.h"
#include "support/receiver_process.h"
#include "support/test_pki.h"
#include "support/test_support.h"

namespace mercato::channel {
namespace {

namespace json = boost::json;
using testing::ReceiverProcess;
using testing::TempDir;

std::string Normalised(std::string_view text) {  // the parser keeps CRLF line ends
  std::string out;
  for (char c : text) {
    if (c != '\r') out += c;
  }
  return out;
}

EmailMessage Message(const std::string& to) {
  EmailMessage message;
  message.from = {"shop@mercato.test", "Sklep Żółw"};
  message.to = {to, "Ada \"A\" Lovelace"};
  message.subject = "Twój koszyk czeka — 20% taniej, tylko dziś, dla Ciebie i najbliższych";
  message.text =
      "Hi Ada,\n.\nA line with a lone dot above, and a very long line: " + std::string(1200, 'x') +
      "\n";
  message.html = "<p>Hi <b>Ada</b> &amp; friends</p>";
  message.message_id = "j1.ada.step2@mercato.test";
  message.unsubscribe_url = "https://shop.test/v1/unsubscribe?t=abc";
  message.extra_headers = {{"X-Mercato-Journey", "abandoned-cart"}};
  message.date_us = 1'790'000'000'000'000;
  return message;
}

class SmtpTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& args = {}) {
    std::string error;
    ASSERT_TRUE(receiver_.Start(dir_.path() / "mail", args, error)) << error;
  }
  SmtpOptions Options() const {
    SmtpOptions options;
    options.url = receiver_.Url("smtp");
    options.timeout_ms = 3'000;
    return options;
  }
  TempDir dir_;
  ReceiverProcess receiver_{"smtp_receiver.py"};
};

TEST_F(SmtpTest, DeliversWhatAMailClientReadsBack) {
  Start();
  SmtpSender sender(Options());
  const EmailMessage message = Message("ada@example.test");
  SendResult result = sender.Send(message);
  ASSERT_EQ(result.outcome, SendResult::Outcome::kDelivered) << result.detail;
  EXPECT_EQ(result.smtp_code, 250);

  auto received = receiver_.Messages();
  ASSERT_EQ(received.size(), 1u);
  const json::object& mail = received[0].as_object();
  EXPECT_EQ(mail.at("mail_from").as_string(), "shop@mercato.test");
  EXPECT_EQ(mail.at("rcpt_to").as_string(), "ada@example.test");
  EXPECT_EQ(mail.at("subject").as_string(), message.subject);  // RFC 2047, decoded
  EXPECT_EQ(mail.at("from").as_string(), "Sklep Żółw <shop@mercato.test>");
  EXPECT_EQ(mail.at("to").as_string(), "\"Ada \\\"A\\\" Lovelace\" <ada@example.test>");
  EXPECT_EQ(mail.at("message_id").as_string(), "<j1.ada.step2@mercato.test>");
  EXPECT_EQ(Normalised(mail.at("text").as_string()), message.text);
  EXPECT_EQ(Normalised(mail.at("html").as_string()), message.html);
  const json::object& headers = mail.at("headers").as_object();
  EXPECT_EQ(headers.at("List-Unsubscribe").as_string(), "<https://shop.test/v1/unsubscribe?t=abc>");
  EXPECT_EQ(headers.at("List-Unsubscribe-Post").as_string(), "List-Unsubscribe=One-Click");
  EXPECT_EQ(headers.at("X-Mercato-Journey").as_string(), "abandoned-cart");
  EXPECT_EQ(headers.at("Date").as_string(), FormatEmailDate(message.date_us));
  // No line of the wire form passes SMTP's 998-byte limit.
  const std::string raw(mail.at("raw").as_string());
  size_t longest = 0;
  for (size_t start = 0; start < raw.size();) {
    size_t end = raw.find('\n', start);
    if (end == std::string::npos) end = raw.size();
    longest = std::max(longest, end - start);
    start = end + 1;
  }
  EXPECT_LE(longest, 998u);
}

TEST_F(SmtpTest, ClassifiesFailuresForRetries) {
  Start({"--refuse", "gone@example.test", "--defer", "busy@example.test", "--stall",
         "slow@example.test"});
  SmtpOptions options = Options();
  options.timeout_ms = 1'500;
  SmtpSender sender(options);
  SendResult refused = sender.Send(Message("gone@example.test"));
  EXPECT_EQ(refused.outcome, SendResult::Outcome::kPermanent) << refused.detail;
  EXPECT_EQ(refused.smtp_code, 550);
  SendResult deferred = sender.Send(Message("busy@example.test"));
  EXPECT_EQ(deferred.outcome, SendResult::Outcome::kTransient) << deferred.detail;
  EXPECT_EQ(deferred.smtp_code, 451);
  SendResult stalled = sender.Send(Message("slow@example.test"));
  EXPECT_EQ(stalled.outcome, SendResult::Outcome::kTransient) << stalled.detail;
  // One failing recipient does not stop the next.
  EXPECT_EQ(sender.Send(Message("fine@example.test")).outcome, SendResult::Outcome::kDelivered);
  ASSERT_EQ(receiver_.Messages().size(), 1u);

  // Nothing listening: transient, no reply code.
  options.url = "smtp://127.0.0.1:1";
  SendResult unreachable = SmtpSender(options).Send(Message("fine@example.test"));
  EXPECT_EQ(unreachable.outcome, SendResult::Outcome::kTransient);
  EXPECT_EQ(unreachable.smtp_code, 0);
  // A message that cannot be built is permanent and never reaches the server.
  EmailMessage bad = Message("fine@example.test");
  bad.to.address = "not an address";
  EXPECT_EQ(SmtpSender(Options()).Send(bad).outcome, SendResult::Outcome::kPermanent);
}

TEST_F(SmtpTest, UpgradesToTlsWhenOffered) {
  testing::TestPki pki;
  std::string error;
  ASSERT_TRUE(testing::MakeTestPki(dir_.path(), "smtp", pki, error)) << error;
  Start({"--starttls", pki.cert_file, pki.key_file});
  SmtpOptions options = Options();
  options.require_tls = true;
  options.ca_file = pki.ca_file;
  SendResult result = SmtpSender(options).Send(Message("ada@example.test"));
  ASSERT_EQ(result.outcome, SendResult::Outcome::kDelivered) << result.detail;
  auto received = receiver_.Messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(received[0].at("tls").as_bool());
}

TEST_F(SmtpTest, ASessionCarriesManyMessagesAndCommitsBeforeTheServerCanAccept) {
  Start({"--refuse", "gone@example.test"});
  SmtpSession session(Options());
  int commits = 0;
  for (int i = 0; i < 5; ++i) {
    const size_t before = receiver_.Messages().size();
    SendResult result = session.Send(Message("ada" + std::to_string(i) + "@example.test"), [&] {
      ++commits;
      // The end-of-data mark is not complete yet, so the server cannot have taken the message.
      EXPECT_EQ(receiver_.Messages().size(), before);
      return Status::Ok();
    });
    ASSERT_EQ(result.outcome, SendResult::Outcome::kDelivered) << result.detail;
    EXPECT_TRUE(session.connected());
  }
  EXPECT_EQ(commits, 5);
  // A refused recipient leaves the connection usable for the next message.
  EXPECT_EQ(session.Send(Message("gone@example.test")).outcome, SendResult::Outcome::kPermanent);
  EXPECT_TRUE(session.connected());
  EXPECT_EQ(session.Send(Message("bob@example.test")).outcome, SendResult::Outcome::kDelivered);
  auto received = receiver_.Messages();
  ASSERT_EQ(received.size(), 6u);
  EXPECT_EQ(Normalised(received[0].at("text").as_string()), Message("x@example.test").text);
}

TEST_F(SmtpTest, AFailedCommitAbandonsTheMessageBeforeTheServerTakesIt) {
  Start();
  SmtpSession session(Options());
  SendResult abandoned =
      session.Send(Message("ada@example.test"), [] { return Status::IoError("disk full"); });
  EXPECT_EQ(abandoned.outcome, SendResult::Outcome::kTransient);
  EXPECT_NE(abandoned.detail.find("disk full"), std::string::npos) << abandoned.detail;
  EXPECT_FALSE(session.connected());
  // The next message opens a new connection; the abandoned one never arrives.
  ASSERT_EQ(session.Send(Message("bob@example.test")).outcome, SendResult::Outcome::kDelivered);
  auto received = receiver_.Messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].at("rcpt_to").as_string(), "bob@example.test");
}

TEST(DotStuffTest, DoublesLeadingDotsAndEndsWithCrlf) {
  EXPECT_EQ(DotStuff(".a\r\nb.\r\n..c"), "..a\r\nb.\r\n...c\r\n");
  EXPECT_EQ(DotStuff("x\r\n"), "x\r\n");
}

TEST(EmailMessageTest, RefusesHeaderInjectionAndBadAddresses) {
  EmailMessage message = Message("ada@example.test");
  message.subject = "Hi\r\nBcc: everyone@example.test";
  EXPECT_EQ(BuildMime(message).status().code(), StatusCode::kInvalidArgument);
  for (const char* bad :
       {"", "ada", "@x.test", "ada@", "a@b@c", "a b@c.test", "a<b@c.test", "ada@exa\nmple.test"}) {
    EXPECT_FALSE(ValidateEmailAddress(bad).ok()) << bad;
  }
  EXPECT_TRUE(ValidateEmailAddress("first.last+tag@sub.example.test").ok());
  EXPECT_EQ(Base64Encode("Man"), "TWFu");
  EXPECT_EQ(Base64Encode("Ma"), "TWE=");
  EXPECT_EQ(Base64Encode("M"), "TQ==");
  EXPECT_EQ(FormatEmailDate(0), "Thu, 01 Jan 1970 00:00:00 +0000");
}

}  // namespace
}  // namespace mercato::channel

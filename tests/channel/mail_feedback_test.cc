// Bounce and complaint reports: DSNs (RFC 3464) as Postfix writes them, ARF reports (RFC 5965's
// example), and the ESP-style JSON (channel/mail_feedback.h).

#include "channel/mail_feedback.h"

#include <gtest/gtest.h>

#include <string>

namespace mercato::channel {
namespace {

using Kind = MailFeedback::Kind;

// A Postfix bounce: a folded Content-Type, a notification, the report and the original headers.
constexpr char kPostfixBounce[] =
    "Return-Path: <>\n"
    "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "To: bounces@shop.example\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"8A5B21C0A.1700000000/mx.example.net\"\n"
    "Message-Id: <20261125100000.8A5B21C0A@mx.example.net>\n"
    "\n"
    "This is a MIME-encapsulated message.\n"
    "\n"
    "--8A5B21C0A.1700000000/mx.example.net\n"
    "Content-Description: Notification\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients.\n"
    "\n"
    "<Ann@Example.org>: host mx.example.org said: 550 5.1.1 <ann@example.org>:\n"
    "    Recipient address rejected: User unknown (in reply to RCPT TO command)\n"
    "\n"
    "--8A5B21C0A.1700000000/mx.example.net\n"
    "Content-Description: Delivery report\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.net\n"
    "X-Postfix-Queue-ID: 8A5B21C0A\n"
    "Arrival-Date: Wed, 25 Nov 2026 10:00:00 +0000 (UTC)\n"
    "\n"
    "Final-Recipient: rfc822; Ann@Example.org\n"
    "Original-Recipient: rfc822;Ann@Example.org\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Remote-MTA: dns; mx.example.org\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <ann@example.org>: Recipient address rejected:\n"
    "    User unknown\n"
    "\n"
    "--8A5B21C0A.1700000000/mx.example.net\n"
    "Content-Description: Undelivered Message Headers\n"
    "Content-Type: text/rfc822-headers\n"
    "\n"
    "Return-Path: <bounces@shop.example>\n"
    "From: Shop <shop@shop.example>\n"
    "To: <ann@example.org>\n"
    "Subject: Welcome\n"
    "Message-ID: <welcome.0123abcd.0.1.hello@mercato.example>\n"
    "\n"
    "--8A5B21C0A.1700000000/mx.example.net--\n";

// RFC 5965 appendix B, with its Message-ID without angle brackets.
constexpr char kArfReport[] =
    "From: <abusedesk@example.com>\r\n"
    "Date: Thu, 8 Mar 2005 17:40:36 EDT\r\n"
    "Subject: FW: Earn money\r\n"
    "To: <abuse@example.net>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=feedback-report;\r\n"
    "     boundary=\"part1_13d.2e68ed54_boundary\"\r\n"
    "\r\n"
    "--part1_13d.2e68ed54_boundary\r\n"
    "Content-Type: text/plain; charset=\"US-ASCII\"\r\n"
    "Content-Transfer-Encoding: 7bit\r\n"
    "\r\n"
    "This is an email abuse report for an email message received from IP\r\n"
    "192.0.2.1 on Thu, 8 Mar 2005 14:00:00 EDT.\r\n"
    "\r\n"
    "--part1_13d.2e68ed54_boundary\r\n"
    "Content-Type: message/feedback-report\r\n"
    "\r\n"
    "Feedback-Type: abuse\r\n"
    "User-Agent: SomeGenerator/1.0\r\n"
    "Version: 1\r\n"
    "Original-Mail-From: <somespammer@example.net>\r\n"
    "Original-Rcpt-To: <User@example.com>\r\n"
    "Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\r\n"
    "Reporting-MTA: dns; mail.example.com\r\n"
    "Source-IP: 192.0.2.1\r\n"
    "Authentication-Results: mail.example.com;\r\n"
    "               spf=fail smtp.mail=somespammer@example.com\r\n"
    "Reported-Domain: example.net\r\n"
    "\r\n"
    "--part1_13d.2e68ed54_boundary\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Disposition: inline\r\n"
    "\r\n"
    "From: <somespammer@example.net>\r\n"
    "To: <Undisclosed Recipients>\r\n"
    "Subject: Earn money\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain\r\n"
    "Message-ID: 8787KJKJ3K4J3K4J3K4J3.mail@example.net\r\n"
    "\r\n"
    "Spam Spam Spam\r\n"
    "--part1_13d.2e68ed54_boundary--\r\n";

std::string Report(const std::string& report_type, const std::string& report_part_type,
                   const std::string& fields) {
  return "From: mailer-daemon@mx.example\nContent-Type: multipart/report; report-type=" +
         report_type +
         "; boundary=b1\n\n--b1\nContent-Type: text/plain\n\nsee below\n--b1\nContent-Type: " +
         report_part_type + "\n\n" + fields +
         "\n--b1\nContent-Type: text/rfc822-headers\n\nTo: a@shop.example\nMessage-ID: "
         "<m1@mercato.example>\n\n--b1--\n";
}

TEST(MailFeedbackTest, ReadsAPostfixBounce) {
  auto reports = ParseFeedbackMessage(kPostfixBounce);
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 1u);
  const MailFeedback& bounce = reports->front();
  EXPECT_EQ(bounce.kind, Kind::kBounce);
  EXPECT_TRUE(bounce.permanent);
  EXPECT_EQ(bounce.recipient, "ann@example.org");
  EXPECT_EQ(bounce.status, "5.1.1");
  EXPECT_EQ(bounce.smtp_code, 550);
  EXPECT_EQ(bounce.message_id, "welcome.0123abcd.0.1.hello@mercato.example");
}

TEST(MailFeedbackTest, ReadsTheArfExampleWithCrlfLines) {
  auto reports = ParseFeedbackMessage(kArfReport);
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 1u);
  const MailFeedback& complaint = reports->front();
  EXPECT_EQ(complaint.kind, Kind::kComplaint);
  EXPECT_TRUE(complaint.permanent);
  EXPECT_EQ(complaint.feedback_type, "abuse");
  EXPECT_EQ(complaint.recipient, "user@example.com");
  EXPECT_EQ(complaint.message_id, "8787KJKJ3K4J3K4J3K4J3.mail@example.net");
}

TEST(MailFeedbackTest, OneReportPerFailedOrDelayedRecipient) {
  auto reports = ParseFeedbackMessage(Report("delivery-status", "message/delivery-status",
                                             "Reporting-MTA: dns; mx.example\n\n"
                                             "Final-Recipient: rfc822; ok@example.org\n"
                                             "Action: delivered\nStatus: 2.0.0\n\n"
                                             "Final-Recipient: rfc822; later@example.org\n"
                                             "Action: delayed\nStatus: 4.4.7\n\n"
                                             "Final-Recipient: rfc822; full@example.org\n"
                                             "Action: failed\nStatus: 4.2.2 (mailbox full)\n"
                                             "Diagnostic-Code: smtp; 452 4.2.2 over quota\n\n"
                                             "Final-Recipient: rfc822; gone@example.org\n"
                                             "Action: failed\n"));
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 3u);
  EXPECT_EQ((*reports)[0].recipient, "later@example.org");
  EXPECT_FALSE((*reports)[0].permanent);
  EXPECT_EQ((*reports)[0].status, "4.4.7");
  // A failure with a temporary status is not permanent; its status drops the comment.
  EXPECT_EQ((*reports)[1].recipient, "full@example.org");
  EXPECT_FALSE((*reports)[1].permanent);
  EXPECT_EQ((*reports)[1].status, "4.2.2");
  EXPECT_EQ((*reports)[1].smtp_code, 452);
  // A failure without a status is permanent.
  EXPECT_EQ((*reports)[2].recipient, "gone@example.org");
  EXPECT_TRUE((*reports)[2].permanent);
  for (const MailFeedback& report : *reports) {
    EXPECT_EQ(report.message_id, "m1@mercato.example");
  }
}

TEST(MailFeedbackTest, FindsAReportForwardedInsideAnotherMultipart) {
  const std::string inner =
      Report("feedback-report", "message/feedback-report", "Feedback-Type: fraud\nVersion: 1\n");
  const std::string outer =
      "From: postmaster@example.org\nContent-Type: multipart/mixed; boundary=\"outer\"\n\n"
      "--outer\nContent-Type: text/plain\n\nforwarded\n--outer\n" +
      inner + "--outer--\n";
  auto reports = ParseFeedbackMessage(outer);
  ASSERT_TRUE(reports.ok()) << reports.status().ToString();
  ASSERT_EQ(reports->size(), 1u);
  EXPECT_EQ(reports->front().kind, Kind::kComplaint);
  EXPECT_EQ(reports->front().feedback_type, "fraud");
  // No Original-Rcpt-To: the original's To is the recipient.
  EXPECT_EQ(reports->front().recipient, "a@shop.example");
}

TEST(MailFeedbackTest, RefusesWhatIsNotAReport) {
  struct Case {
    std::string message;
    std::string error;
  };
  const Case cases[] = {
      {"", "no header fields"},
      {"just some text\n", "no header fields"},
      {"Subject: hello\nContent-Type: text/plain\n\nhello\n", "not a multipart/report"},
      {"Content-Type: multipart/report; report-type=delivery-status\n\nx\n", "boundary"},
      {"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nx\n--b--\n",
       "no multipart/report part"},
      {Report("disposition-notification", "message/disposition-notification", "Disposition: x"),
       "neither delivery-status nor feedback-report"},
      {Report("delivery-status", "text/plain", "Action: failed"),
       "no message/delivery-status part"},
      {Report("delivery-status", "message/delivery-status", "Reporting-MTA: dns; mx\n\n"),
       "no per-recipient fields"},
      {Report("feedback-report", "message/feedback-report", "Version: 1\n"), "no Feedback-Type"},
  };
  for (const Case& c : cases) {
    auto reports = ParseFeedbackMessage(c.message);
    ASSERT_FALSE(reports.ok()) << c.message;
    EXPECT_EQ(reports.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(reports.status().message().find(c.error), std::string::npos)
        << reports.status().message() << " (wanted " << c.error << ")";
  }
}

TEST(MailFeedbackTest, ReadsEspJson) {
  auto one = ParseFeedbackJson(
      R"({"type":"bounce","messageId":"<a.b@mercato.example>","status":"5.1.1","extra":1})");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->front().message_id, "a.b@mercato.example");
  EXPECT_TRUE(one->front().permanent);

  auto many = ParseFeedbackJson(
      R"({"feedback":[{"type":"bounce","recipient":" Bob@Example.ORG ","permanent":false},
                      {"type":"complaint","recipient":"c@example.org"},
                      {"type":"bounce","recipient":"d@example.org","status":"4.2.2"},
                      {"type":"bounce","recipient":"e@example.org"}]})");
  ASSERT_TRUE(many.ok()) << many.status().ToString();
  ASSERT_EQ(many->size(), 4u);
  EXPECT_EQ((*many)[0].recipient, "bob@example.org");
  EXPECT_FALSE((*many)[0].permanent);
  EXPECT_EQ((*many)[1].kind, Kind::kComplaint);
  EXPECT_EQ((*many)[1].feedback_type, "abuse");
  EXPECT_FALSE((*many)[2].permanent);  // from the status class
  EXPECT_TRUE((*many)[3].permanent);   // a plain bounce

  auto array =
      ParseFeedbackJson(R"([{"type":"complaint","messageId":"x@y","feedbackType":"Fraud"}])");
  ASSERT_TRUE(array.ok()) << array.status().ToString();
  EXPECT_EQ(array->front().feedback_type, "fraud");
}

TEST(MailFeedbackTest, RefusesBadJsonNamingTheItemAndField) {
  struct Case {
    std::string body;
    std::string error;
  };
  const Case cases[] = {
      {"{", "not JSON"},
      {"3", "an object or an array"},
      {"[]", "no feedback items"},
      {R"({"feedback":{}})", "feedback must be an array"},
      {R"({"type":"bounced","recipient":"a@b.c"})", "feedback[0].type"},
      {R"([{"type":"bounce","recipient":"a@b.c"},{"type":"bounce"}])",
       "feedback[1]: needs a messageId or a recipient"},
      {R"({"type":"bounce","recipient":"not an address"})", "feedback[0].recipient"},
      {R"({"type":"bounce","recipient":"a@b.c","status":"5.1"})", "feedback[0].status"},
      {R"({"type":"bounce","recipient":"a@b.c","status":"3.1.1"})", "feedback[0].status"},
      {R"({"type":"bounce","recipient":"a@b.c","status":"5.1.1","permanent":false})",
       "contradicts the status class"},
      {R"({"type":"bounce","recipient":"a@b.c","permanent":"yes"})", "feedback[0].permanent"},
      {R"({"type":"bounce","messageId":"has space@x"})", "feedback[0].messageId"},
      {R"({"type":"bounce","messageId":"<a.b@mercato.example<"})", "feedback[0].messageId"},
      {R"({"type":"complaint","recipient":"a@b.c","feedbackType":""})", "feedback[0].feedbackType"},
      {R"(["x"])", "feedback[0]: must be an object"},
  };
  for (const Case& c : cases) {
    auto reports = ParseFeedbackJson(c.body);
    ASSERT_FALSE(reports.ok()) << c.body;
    EXPECT_NE(reports.status().message().find(c.error), std::string::npos)
        << reports.status().message() << " (wanted " << c.error << ")";
  }
  std::string big = "[";
  for (int i = 0; i < 3; ++i)
    big += std::string(i ? "," : "") + R"({"type":"bounce","recipient":"a@b.c"})";
  big += "]";
  EXPECT_FALSE(ParseFeedbackJson(big, 2).ok());
  EXPECT_TRUE(ParseFeedbackJson(big, 3).ok());
}

TEST(MailFeedbackTest, EnhancedStatusCodes) {
  for (const char* good : {"5.1.1", "4.7.0", "2.0.0", "5.123.456"}) {
    EXPECT_TRUE(ValidateEnhancedStatus(good).ok()) << good;
  }
  for (const char* bad :
       {"", "5", "5.1", "5.1.", "3.1.1", "5.1111.1", "5.1.1.1", "5.a.1", "5.1.1 "}) {
    EXPECT_FALSE(ValidateEnhancedStatus(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace mercato::channel

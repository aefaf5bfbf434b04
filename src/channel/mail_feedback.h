#pragma once
// Bounce and complaint reports about e-mail mercato sent, read from what mail servers and e-mail
// service providers send back (docs/journeys.md "Bounces and complaints"):
//
//   - a delivery status notification (RFC 3464): a message of type multipart/report with
//     report-type=delivery-status, whose message/delivery-status part holds one block of fields
//     per recipient (Final-Recipient, Action, Status, Diagnostic-Code) and whose last part is the
//     original message or its headers (message/rfc822 or text/rfc822-headers);
//   - an abuse report from a mailbox provider's feedback loop (ARF, RFC 5965): multipart/report
//     with report-type=feedback-report, a message/feedback-report part (Feedback-Type,
//     Original-Rcpt-To) and the original message or its headers;
//   - the JSON an ESP webhook or a relay sends: one object, an array of them, or {"feedback":
//     [...]}, each {"type": "bounce" | "complaint", "messageId", "recipient", "permanent",
//     "status", "feedbackType"} with a message id or a recipient.
//
// Only what identifies the message and classifies the failure is kept: the original Message-ID
// (without <>), the recipient (lowercased), the enhanced status code and the SMTP reply code.
// Free text (diagnostics, the human-readable part) is dropped, since it often repeats the address.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mercato::channel {

struct MailFeedback {
  enum class Kind { kBounce, kComplaint };
  Kind kind = Kind::kBounce;
  // Bounce: the server gave up for good (Action: failed with a 5.x.x status, or no status);
  // false for a delay or a failure with a 4.x.x status (the address may work later).
  bool permanent = false;
  std::string recipient;      // lowercased addr-spec; may be empty when message_id is set
  std::string message_id;     // the original Message-ID without <>; may be empty
  std::string status;         // enhanced status code "5.1.1"; may be empty
  int smtp_code = 0;          // from Diagnostic-Code "smtp; 550 ..."; 0 when absent
  std::string feedback_type;  // complaint: "abuse", "fraud", "virus", "other", ...
};

// Reports in a whole mail message (headers and body, CRLF or LF line ends), one per recipient of
// a DSN (delivered, relayed and expanded recipients are left out: they are not failures) and one
// for an ARF report. InvalidArgument, saying what is missing, for anything else.
Result<std::vector<MailFeedback>> ParseFeedbackMessage(std::string_view message);

// Reports in an ESP-style JSON body (see above), at most `max_items`. InvalidArgument naming the
// item and field for a bad body; no partial result.
Result<std::vector<MailFeedback>> ParseFeedbackJson(std::string_view body, size_t max_items = 1000);

// InvalidArgument unless `status` is an enhanced status code: class 2, 4 or 5, then 1-3 and
// 1-3 digits ("5.1.1").
Status ValidateEnhancedStatus(std::string_view status);

}  // namespace mercato::channel

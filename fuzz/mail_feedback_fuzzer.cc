// Fuzzes the readers of bounce and complaint reports (channel/mail_feedback.h), which take what
// any mail server or webhook sends. Invariants, for a mail message and for JSON alike:
//   - failure is InvalidArgument;
//   - every report names a recipient or a message id; a recipient is a lowercased address that
//     ValidateEmailAddress accepts; a message id has no spaces, angle brackets or control
//     characters; a status is empty or a valid enhanced status code; an SMTP code is 0 or a
//     reply code 200-599; a complaint is permanent and has a feedback type.

#include <cstddef>
#include <cstdint>

#include "channel/email_message.h"
#include "channel/mail_feedback.h"
#include "fuzz_check.h"

namespace mercato::channel {
namespace {

void Check(const Result<std::vector<MailFeedback>>& reports) {
  if (!reports.ok()) {
    FUZZ_CHECK(reports.status().code() == StatusCode::kInvalidArgument);
    return;
  }
  for (const MailFeedback& report : *reports) {
    FUZZ_CHECK(!report.recipient.empty() || !report.message_id.empty());
    if (!report.recipient.empty()) {
      FUZZ_CHECK(ValidateEmailAddress(report.recipient).ok());
      for (char c : report.recipient) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    }
    for (char c : report.message_id) {
      FUZZ_CHECK(c > ' ' && c < 0x7f && c != '<' && c != '>');
    }
    FUZZ_CHECK(report.status.empty() || ValidateEnhancedStatus(report.status).ok());
    FUZZ_CHECK(report.smtp_code == 0 || (report.smtp_code >= 200 && report.smtp_code < 600));
    if (report.kind == MailFeedback::Kind::kComplaint) {
      FUZZ_CHECK(report.permanent);
      FUZZ_CHECK(!report.feedback_type.empty());
    }
  }
}

}  // namespace
}  // namespace mercato::channel

// The first byte picks the reader (even: a mail message, odd: JSON); the rest is its input.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input = mercato::fuzz::AsText(data + 1, size - 1);
  mercato::fuzz::current_input = input;
  if (data[0] % 2 == 0) {
    mercato::channel::Check(mercato::channel::ParseFeedbackMessage(input));
  } else {
    mercato::channel::Check(mercato::channel::ParseFeedbackJson(input, 100));
  }
  return 0;
}

#pragma once
// Bounces and complaints reported after the SMTP conversation (a delivery status notification
// from a mail server, a feedback-loop abuse report, an ESP webhook; channel/mail_feedback.h),
// applied to the customers they are about (docs/journeys.md "Bounces and complaints").
//
// Each report is matched to a customer:
//   1. by the original Message-ID, when it is one mercato gave a journey e-mail it delivered (the
//      idempotency key with '.' for '/', pipeline/delivery_render.cc) - then the journey and step
//      are known too;
//   2. else by the recipient address, through the e-mail identity index.
// A report that matches nobody is counted as unmatched and changes nothing.
//
// For a matched report:
//   - a permanent bounce suppresses e-mail for the customer ("bounced"); a complaint suppresses
//     it ("complained") and withdraws the consent to e-mail marketing; a temporary bounce
//     suppresses nothing;
//   - an "Email Bounced" or "Email Marked as Spam" track event goes into the customer's log with
//     the journey, step, status and SMTP code (no address, no free text), so segments, journeys
//     and the step counters ("bounced", "soft_bounced", "complained") see it. Its messageId is
//     derived from the report, so the same report sent twice is one event.
// The suppression is written (synchronously) before the event is appended: a failure after it
// leaves the customer suppressed and the report can be sent again.
//
// Thread safety: safe from any thread (the suppression is one write, the event one append).

#include <cstdint>
#include <string>
#include <vector>

#include "channel/mail_feedback.h"
#include "core/status.h"
#include "pipeline/delivery.h"
#include "profile/profile_store.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato {

struct EmailFeedbackResult {
  size_t received = 0;
  size_t matched = 0;
  size_t suppressed = 0;  // reports that suppressed e-mail (bounced or complained)
  size_t unmatched = 0;
  // Per report, in order: "suppressed", "recorded" (a temporary bounce) or "unmatched".
  std::vector<std::string> outcomes;
};

// Applies `reports` (see above). Errors are the store's or the log's; reports before the failing
// one have taken effect, and applying them again changes nothing more.
Result<EmailFeedbackResult> ApplyEmailFeedback(Store& store, EventLog& log,
                                               const ProfileStore& profiles,
                                               DeliveryWorker& delivery,
                                               const std::vector<channel::MailFeedback>& reports,
                                               int64_t now_us);

}  // namespace mercato

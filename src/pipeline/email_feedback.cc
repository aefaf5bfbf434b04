#include "pipeline/email_feedback.h"

#include <boost/json.hpp>
#include <optional>
#include <utility>

#include "core/hash.h"
#include "event/event.h"
#include "journey/engine_keys.h"
#include "pipeline/journey_support.h"

namespace mercato {
namespace {

namespace json = boost::json;
using channel::MailFeedback;

// The journey message a Message-ID names: journey/customer/entry/version/step.
struct SentMessage {
  std::string journey;
  std::string customer;
  std::string step;
};

// The message mercato delivered under `message_id`, or nullopt when it is not one (another
// sender's id, a forged one, or a message never delivered).
Result<std::optional<SentMessage>> FindSent(Store& store, std::string_view message_id) {
  const size_t at = message_id.rfind('@');
  if (at == std::string_view::npos || at == 0) return std::optional<SentMessage>();
  std::string key(message_id.substr(0, at));
  std::vector<std::string> parts(1);
  for (char& c : key) {
    if (c == '.') c = '/';
    if (c == '/') {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  if (parts.size() != 5) return std::optional<SentMessage>();
  Result<std::string> record = store.Get(Cf::kOutbox, journey::DeliveredKey(key));
  if (record.status().code() == StatusCode::kNotFound) return std::optional<SentMessage>();
  RETURN_IF_ERROR(record.status());
  boost::system::error_code error;
  const json::value parsed = json::parse(*record, error);
  const json::object* fields = error ? nullptr : parsed.if_object();
  const json::value* outcome = fields != nullptr ? fields->if_contains("outcome") : nullptr;
  // "unconfirmed": recovered from the commit journal after a crash; a report proves it left.
  if (outcome == nullptr || !outcome->is_string() ||
      (outcome->get_string() != "delivered" && outcome->get_string() != "unconfirmed")) {
    return std::optional<SentMessage>();
  }
  return std::optional<SentMessage>(SentMessage{parts[0], parts[1], parts[4]});
}

}  // namespace

Result<EmailFeedbackResult> ApplyEmailFeedback(Store& store, EventLog& log,
                                               const ProfileStore& profiles,
                                               DeliveryWorker& delivery,
                                               const std::vector<MailFeedback>& reports,
                                               int64_t now_us) {
  EmailFeedbackResult result;
  for (const MailFeedback& report : reports) {
    ++result.received;
    std::optional<SentMessage> sent;
    if (!report.message_id.empty()) {
      ASSIGN_OR_RETURN(sent, FindSent(store, report.message_id));
    }
    // The live customer: the message's (merged into another since, perhaps), else the address's.
    Result<std::string> customer = Status::NotFound("no customer");
    if (sent) customer = profiles.Resolve(sent->customer);
    if (!customer.ok() && !report.recipient.empty()) customer = profiles.Resolve(report.recipient);
    if (!customer.ok()) {
      if (customer.status().code() != StatusCode::kNotFound) return customer.status();
      ++result.unmatched;
      result.outcomes.emplace_back("unmatched");
      continue;
    }
    ++result.matched;

    const bool complaint = report.kind == MailFeedback::Kind::kComplaint;
    const bool suppress = complaint || report.permanent;
    if (suppress) {
      RETURN_IF_ERROR(delivery.Suppress(*customer, "email", complaint ? "complained" : "bounced"));
      ++result.suppressed;
    }
    json::object properties;
    if (sent) {
      properties["journey"] = sent->journey;
      properties["step"] = sent->step;
    }
    if (complaint) {
      properties["feedbackType"] = report.feedback_type;
    } else {
      properties["permanent"] = report.permanent;
      if (!report.status.empty()) properties["status"] = report.status;
      if (report.smtp_code != 0) properties["smtpCode"] = report.smtp_code;
    }
    json::object event{{"type", "track"},
                       {"event", complaint ? kEmailComplainedEvent : kEmailBouncedEvent},
                       {"properties", std::move(properties)}};
    if (complaint) {
      event["context"] = {{"consent", {{"categoryPreferences", {{"email_marketing", false}}}}}};
    }
    // The same report twice is the same event; a delay and the final failure are two.
    const std::string seed = (sent ? report.message_id : report.recipient) + "|" +
                             (complaint          ? "complaint"
                              : report.permanent ? "bounce"
                                                 : "delay") +
                             "|" + report.status;
    const std::string message_id =
        "fbk-" + std::to_string(Hash64(seed, 5)) + "-" + std::to_string(Hash64(seed, 6));
    Status appended = AppendCustomerEvent(store, log, *customer, std::move(event), message_id,
                                          kEmailFeedbackSource, now_us);
    // Erased or without an identity to route by since: the suppression is what matters.
    if (!appended.ok() && appended.code() != StatusCode::kNotFound &&
        appended.code() != StatusCode::kFailedPrecondition) {
      return appended;
    }
    result.outcomes.emplace_back(suppress ? "suppressed" : "recorded");
  }
  return result;
}

}  // namespace mercato

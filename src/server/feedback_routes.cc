// Bounce and complaint reports (server/api.h RegisterEmailFeedbackRoutes).

#include <boost/json.hpp>

#include "channel/mail_feedback.h"
#include "core/ascii.h"
#include "pipeline/email_feedback.h"
#include "server/api.h"
#include "server/http_status.h"

namespace mercato {
namespace {

namespace json = boost::json;

// "Message/RFC822; charset=..." -> "message/rfc822".
std::string MediaType(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  std::string_view type = content_type.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return AsciiLower(type);
}

}  // namespace

void RegisterEmailFeedbackRoutes(Router& router, const EmailFeedbackRouteDeps& deps) {
  router.Add(
      "POST", "/v1/email/feedback", "/v1/email/feedback", Access::kFeedback,
      AdmissionClass::kIngest, [deps](HttpRequest&& request, const Responder& respond) {
        const std::string type = MediaType(request.content_type);
        Result<std::vector<channel::MailFeedback>> reports = Status::InvalidArgument("unsupported");
        if (type == "application/json") {
          reports = channel::ParseFeedbackJson(request.body);
        } else if (type == "message/rfc822" || type == "text/plain" || type == "multipart/report") {
          reports = channel::ParseFeedbackMessage(request.body);
        } else {
          json::object error{{"success", false},
                             {"code", "UnsupportedMediaType"},
                             {"error",
                              "send a bounce or feedback-loop message as message/rfc822, or "
                              "ESP-style JSON as application/json"}};
          return respond(JsonResponse(415, json::serialize(error)));
        }
        if (!reports.ok()) return respond(ErrorResponse(reports.status()));
        Result<EmailFeedbackResult> applied = ApplyEmailFeedback(
            deps.store, deps.log, deps.profiles, deps.delivery, *reports, deps.clock.NowMicros());
        if (!applied.ok()) return respond(ErrorResponse(applied.status()));
        json::array outcomes;
        for (const std::string& outcome : applied->outcomes) outcomes.emplace_back(outcome);
        json::object body{{"success", true},
                          {"received", applied->received},
                          {"matched", applied->matched},
                          {"suppressed", applied->suppressed},
                          {"unmatched", applied->unmatched},
                          {"outcomes", std::move(outcomes)}};
        respond(JsonResponse(200, json::serialize(body)));
      });
}

}  // namespace mercato

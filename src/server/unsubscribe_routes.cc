// One-click unsubscribe (docs/journeys.md "Unsubscribe"): the link every journey e-mail carries.

#include <boost/json.hpp>

#include "core/hash.h"
#include "pipeline/delivery.h"
#include "pipeline/journey_support.h"
#include "server/api.h"
#include "server/http_status.h"

namespace mercato {
namespace {

namespace json = boost::json;

HttpResponse Page(int status, std::string_view title, std::string_view body_html) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  response.headers.emplace_back("Cache-Control", "no-store");
  response.body = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" +
                  std::string(title) + "</title></head><body><h1>" + std::string(title) + "</h1>" +
                  std::string(body_html) + "</body></html>";
  return response;
}

// The token is hex, dots and a customer id; nothing in it needs escaping, but an invalid one
// never reaches a page.
bool PlainToken(std::string_view token) {
  if (token.empty() || token.size() > 256) return false;
  for (char c : token) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

void RegisterUnsubscribeRoutes(Router& router, const UnsubscribeRouteDeps& deps) {
  // GET shows a confirmation button: mail scanners fetch links, so a GET must not unsubscribe.
  router.Add("GET", "/v1/unsubscribe", "/v1/unsubscribe", Access::kPublic, AdmissionClass::kIngest,
             [deps](HttpRequest&& request, const Responder& respond) {
               const std::string token = request.QueryParam("token");
               if (!PlainToken(token) || !VerifyUnsubscribeToken(deps.secret, token).ok()) {
                 return respond(Page(400, "This link is not valid", "<p>Nothing was changed.</p>"));
               }
               respond(Page(200, "Unsubscribe",
                            "<form method=\"post\" action=\"/v1/unsubscribe?token=" + token +
                                "\"><input type=\"hidden\" name=\"List-Unsubscribe\" "
                                "value=\"One-Click\"><button type=\"submit\">Unsubscribe"
                                "</button></form>"));
             });
  // POST is RFC 8058's one-click request (body "List-Unsubscribe=One-Click") and the form's.
  router.Add(
      "POST", "/v1/unsubscribe", "/v1/unsubscribe", Access::kPublic, AdmissionClass::kIngest,
      [deps](HttpRequest&& request, const Responder& respond) {
        const std::string token = request.QueryParam("token");
        auto verified =
            PlainToken(token)
                ? VerifyUnsubscribeToken(deps.secret, token)
                : Result<std::pair<std::string, std::string>>(Status::InvalidArgument("not valid"));
        if (!verified.ok()) {
          return respond(Page(400, "This link is not valid", "<p>Nothing was changed.</p>"));
        }
        const auto& [customer, channel] = *verified;
        if (Status suppressed = deps.delivery.Suppress(customer, channel, "unsubscribed");
            !suppressed.ok()) {
          return respond(ErrorResponse(suppressed));
        }
        // The feedback event: journeys and segments see it; for e-mail it also withdraws the
        // consent to e-mail marketing. The messageId makes a repeated click one event.
        json::object event{
            {"type", "track"}, {"event", "Unsubscribed"}, {"properties", {{"channel", channel}}}};
        if (channel == "email") {
          event["context"] = {{"consent", {{"categoryPreferences", {{"email_marketing", false}}}}}};
        }
        const std::string message_id = "unsub-" + std::to_string(Hash64(token, 7));
        Status appended = AppendCustomerEvent(deps.store, deps.log, customer, std::move(event),
                                              message_id, "journeys", deps.clock.NowMicros());
        if (!appended.ok() && appended.code() != StatusCode::kNotFound) {
          return respond(ErrorResponse(appended));
        }
        respond(
            Page(200, "You are unsubscribed", "<p>You will get no more of these messages.</p>"));
      });
}

}  // namespace mercato

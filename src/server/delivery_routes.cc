// Delivery reports (server/api.h RegisterDeliveryRoutes): the dead-letter list and outcome totals.

#include <boost/json.hpp>
#include <charconv>

#include "core/time_format.h"
#include "journey/definition.h"
#include "pipeline/delivery_report.h"
#include "server/api.h"
#include "server/http_status.h"

namespace mercato {
namespace {

namespace json = boost::json;

json::value TextOrNull(const std::string& text) {
  return text.empty() ? json::value(nullptr) : json::value(text);
}

json::value TimeOrNull(int64_t micros) {
  return micros > 0 ? json::value(FormatTimestamp(micros)) : json::value(nullptr);
}

json::object LetterJson(const DeadLetter& letter) {
  json::object out;
  out["key"] = letter.key;
  const journey::OutboxMessage* message = letter.message ? &*letter.message : nullptr;
  // A privacy removal of an ad-audience member has no journey.
  out["journey"] = message ? TextOrNull(message->journey) : json::value(nullptr);
  out["version"] = message ? json::value(message->version) : json::value(nullptr);
  out["step"] = message ? TextOrNull(message->step) : json::value(nullptr);
  out["variant"] = message ? TextOrNull(message->variant) : json::value(nullptr);
  out["channel"] = !message ? json::value(nullptr)
                   : message->channel
                       ? json::value(std::string(journey::ChannelName(*message->channel)))
                       : json::value("set_trait");
  out["customerId"] = message ? TextOrNull(message->customer) : json::value(nullptr);
  out["template"] = message ? TextOrNull(message->tmpl) : json::value(nullptr);
  out["endpoint"] = message ? TextOrNull(message->endpoint) : json::value(nullptr);
  out["audience"] = message ? TextOrNull(message->audience) : json::value(nullptr);
  out["trait"] = message ? TextOrNull(message->trait) : json::value(nullptr);
  out["attempts"] = message ? json::value(message->attempts) : json::value(nullptr);
  out["lastError"] = message ? TextOrNull(message->last_error) : json::value(nullptr);
  out["createdAt"] = message ? TimeOrNull(message->created_at_us) : json::value(nullptr);
  out["reason"] = letter.reason;
  out["at"] = TimeOrNull(letter.at_us);
  return out;
}

void HandleDeadLetters(Store& store, const HttpRequest& request, const Responder& respond) {
  size_t limit = 100;
  if (const std::string text = request.QueryParam("limit"); !text.empty()) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit < 1 || limit > 1000) {
      return respond(
          ErrorResponse(Status::InvalidArgument("'limit' must be an integer from 1 to 1000")));
    }
  }
  auto page = ListDeadLetters(store, request.QueryParam("cursor"), limit);
  if (!page.ok()) return respond(ErrorResponse(page.status()));
  json::array letters;
  for (const DeadLetter& letter : page->letters) letters.push_back(LetterJson(letter));
  json::object out;
  out["deadLetters"] = std::move(letters);
  out["nextCursor"] = TextOrNull(page->next_cursor);
  respond(JsonResponse(200, json::serialize(out)));
}

void HandleSummary(Store& store, const Responder& respond) {
  auto summary = SummarizeDeliveries(store);
  if (!summary.ok()) return respond(ErrorResponse(summary.status()));
  json::object outcomes;
  for (const auto& [name, count] : summary->outcomes) outcomes[name] = count;
  json::object skipped;
  for (const auto& [guard, count] : summary->skipped_by) skipped[guard] = count;
  json::object out;
  out["outcomes"] = std::move(outcomes);
  out["skippedBy"] = std::move(skipped);
  out["deadLetters"] = summary->dead_letters;
  out["queued"] = summary->queued;
  respond(JsonResponse(200, json::serialize(out)));
}

}  // namespace

void RegisterDeliveryRoutes(Router& router, Store& store) {
  router.Add("GET", "/v1/deliveries/dead-letters", "/v1/deliveries/dead-letters", Access::kAdmin,
             AdmissionClass::kQuery, [&store](HttpRequest&& request, const Responder& respond) {
               HandleDeadLetters(store, request, respond);
             });
  router.Add("GET", "/v1/deliveries/summary", "/v1/deliveries/summary", Access::kRead,
             AdmissionClass::kQuery,
             [&store](HttpRequest&&, const Responder& respond) { HandleSummary(store, respond); });
}

}  // namespace mercato

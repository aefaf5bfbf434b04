// Profile reads: GET /v1/profiles/{id} and /v1/profiles/{id}/events.

#include <charconv>

#include "server/api.h"
#include "server/http_status.h"

namespace mercato {
namespace {

constexpr std::string_view kPrefix = "/v1/profiles/";
constexpr std::string_view kEventsSuffix = "/events";

Result<size_t> ParseLimit(const std::string& text) {
  if (text.empty()) return size_t{100};
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > 1000) {
    return Status::InvalidArgument("'limit' must be an integer from 1 to 1000");
  }
  return value;
}

void HandleProfile(const ProfileStore& profiles, const KeyRing& keys, HttpRequest&& request,
                   const Responder& respond) {
  Status auth = keys.Authorize(request.authorization, Scope::kRead);
  if (!auth.ok()) return respond(ErrorResponse(auth));
  // Split the path as sent, then decode the id: "a%2Fevents" is the id "a/events", not the
  // events of "a".
  std::string_view raw = request.raw_path.empty() ? std::string_view(request.path)
                                                  : std::string_view(request.raw_path);
  if (!raw.starts_with(kPrefix)) {
    return respond(ErrorResponse(Status::InvalidArgument("missing profile id")));
  }
  std::string_view encoded = raw.substr(kPrefix.size());
  bool events = encoded.size() > kEventsSuffix.size() && encoded.ends_with(kEventsSuffix);
  if (events) encoded.remove_suffix(kEventsSuffix.size());
  std::string id;
  if (!PercentDecode(encoded, id)) {
    return respond(ErrorResponse(Status::InvalidArgument("malformed percent-encoding in the id")));
  }
  if (id.empty()) return respond(ErrorResponse(Status::InvalidArgument("missing profile id")));
  std::string_view rest = id;

  auto customer = profiles.Resolve(rest);
  if (!customer.ok()) {
    Status status =
        customer.status().code() == StatusCode::kNotFound
            ? Status::NotFound("no customer known as '" + std::string(rest.substr(0, 200)) + "'")
            : customer.status();
    return respond(ErrorResponse(status));
  }
  if (!events) {
    auto json = profiles.ProfileJson(*customer);
    if (!json.ok()) return respond(ErrorResponse(json.status()));
    return respond(JsonResponse(200, std::move(json).value()));
  }
  auto limit = ParseLimit(request.QueryParam("limit"));
  if (!limit.ok()) return respond(ErrorResponse(limit.status()));
  auto page = profiles.Events(*customer, request.QueryParam("cursor"), *limit);
  if (!page.ok()) return respond(ErrorResponse(page.status()));
  std::string body = "{\"customerId\":\"" + *customer + "\",\"events\":[";
  for (size_t k = 0; k < page->events.size(); ++k) {
    if (k > 0) body.push_back(',');
    body += page->events[k];  // stored events are JSON objects already
  }
  body += "],\"nextCursor\":";
  body += page->next_cursor.empty() ? "null" : "\"" + page->next_cursor + "\"";
  body += "}";
  respond(JsonResponse(200, std::move(body)));
}

// Exact decimal text of an amount in 1e-6 units ("1234.5", "-0.25", "0").
std::string MicrosToDecimal(int64_t micros) {
  std::string sign = micros < 0 ? "-" : "";
  uint64_t magnitude = micros < 0 ? -static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
  std::string text = sign + std::to_string(magnitude / 1000000);
  std::string fraction = std::to_string(1000000 + magnitude % 1000000).substr(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

void HandleStats(const ProfileStore& profiles, const KeyRing& keys, HttpRequest&& request,
                 const Responder& respond) {
  Status auth = keys.Authorize(request.authorization, Scope::kRead);
  if (!auth.ok()) return respond(ErrorResponse(auth));
  std::string known = request.QueryParam("known");
  if (!known.empty() && known != "true" && known != "false") {
    return respond(ErrorResponse(Status::InvalidArgument("'known' must be true or false")));
  }
  auto totals = profiles.ComputeTotals(known == "true");
  if (!totals.ok()) return respond(ErrorResponse(totals.status()));
  respond(JsonResponse(200, "{\"customers\":" + std::to_string(totals->customers) +
                                ",\"knownCustomers\":" + std::to_string(totals->known_customers) +
                                ",\"events\":" + std::to_string(totals->events) +
                                ",\"orders\":" + std::to_string(totals->orders) +
                                ",\"refunds\":" + std::to_string(totals->refunds) +
                                ",\"revenue\":" + MicrosToDecimal(totals->revenue_micros) + "}"));
}

}  // namespace

void RegisterProfileRoutes(Router& router, const ProfileStore& profiles, const KeyRing& keys) {
  router.Add("GET", "/v1/stats", "/v1/stats",
             [&profiles, &keys](HttpRequest&& request, const Responder& respond) {
               HandleStats(profiles, keys, std::move(request), respond);
             });
  router.Add("GET", std::string(kPrefix) + "*", "/v1/profiles/{id}",
             [&profiles, &keys](HttpRequest&& request, const Responder& respond) {
               HandleProfile(profiles, keys, std::move(request), respond);
             });
}

}  // namespace mercato

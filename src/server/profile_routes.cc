// Profile reads: GET /v1/profiles/{id}, /v1/profiles/{id}/events and /v1/stats.

#include <charconv>

#include "core/logging.h"
#include "server/api.h"
#include "server/http_status.h"

namespace mercato {
namespace {

Result<size_t> ParseLimit(const std::string& text) {
  if (text.empty()) return size_t{100};
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > 1000) {
    return Status::InvalidArgument("'limit' must be an integer from 1 to 1000");
  }
  return value;
}

// Reads of a customer's personal data are audited (who read whom); the id asked by is not recorded,
// since it may itself be personal (an e-mail).
void AuditRead(AuditLog* audit, const HttpRequest& request, const char* action,
               const std::string& customer) {
  if (audit == nullptr) return;
  const std::string actor =
      request.principal.key_id.empty() ? "anonymous" : "key:" + request.principal.key_id;
  Status status = audit->Record(AuditEntry{actor, action, customer, ""});
  if (!status.ok()) {
    LOG(ERROR) << "audit record failed: " << status.ToString();
  }
}

void HandleProfile(const ProfileStore& profiles, AuditLog* audit, bool events,
                   const HttpRequest& request, const Responder& respond) {
  // The router decoded {id} from the path as sent: "a%2Fevents" is the id "a/events", not the
  // events of "a".
  const std::string id = request.PathParam("id");
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
    AuditRead(audit, request, "profile.read", *customer);
    return respond(JsonResponse(200, std::move(json).value()));
  }
  auto limit = ParseLimit(request.QueryParam("limit"));
  if (!limit.ok()) return respond(ErrorResponse(limit.status()));
  const std::string order = request.QueryParam("order");
  if (!order.empty() && order != "oldest" && order != "newest") {
    return respond(ErrorResponse(Status::InvalidArgument("'order' must be oldest or newest")));
  }
  auto page = profiles.Events(*customer, request.QueryParam("cursor"), *limit, order == "newest");
  if (!page.ok()) return respond(ErrorResponse(page.status()));
  AuditRead(audit, request, "profile.events.read", *customer);
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

// {"email_marketing": {"granted": n, "denied": n, "undecided": n}, ...} in Purpose order.
std::string ConsentJson(const std::array<ProfileStore::ConsentCounts, kPurposeCount>& consent) {
  std::string out = "{";
  for (Purpose purpose : kAllPurposes) {
    const ProfileStore::ConsentCounts& counts = consent[static_cast<size_t>(purpose)];
    if (out.size() > 1) out.push_back(',');
    out += "\"" + std::string(PurposeName(purpose)) +
           "\":{\"granted\":" + std::to_string(counts.granted) +
           ",\"denied\":" + std::to_string(counts.denied) +
           ",\"undecided\":" + std::to_string(counts.undecided) + "}";
  }
  return out + "}";
}

void HandleStats(const ProfileStore& profiles, const HttpRequest& request,
                 const Responder& respond) {
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
                                ",\"revenue\":" + MicrosToDecimal(totals->revenue_micros) +
                                ",\"activeCustomers30d\":" + std::to_string(totals->active_30d) +
                                ",\"consent\":" + ConsentJson(totals->consent) + "}"));
}

}  // namespace

void RegisterProfileRoutes(Router& router, const ProfileStore& profiles, AuditLog* audit,
                           const ReadForwarder& forwarder,
                           std::function<std::vector<std::string>()> other_nodes) {
  router.Add("GET", "/v1/stats", "/v1/stats", Access::kRead, AdmissionClass::kQuery,
             SummingHandler(forwarder.pool, std::move(other_nodes),
                            [&profiles](HttpRequest&& request, const Responder& respond) {
                              HandleStats(profiles, request, respond);
                            }));
  router.Add("GET", "/v1/profiles/{id}", "/v1/profiles/{id}", Access::kRead, AdmissionClass::kQuery,
             ForwardingHandler(forwarder, "id",
                               [&profiles, audit](HttpRequest&& request, const Responder& respond) {
                                 HandleProfile(profiles, audit, /*events=*/false, request, respond);
                               }));
  router.Add("GET", "/v1/profiles/{id}/events", "/v1/profiles/{id}/events", Access::kRead,
             AdmissionClass::kQuery,
             ForwardingHandler(forwarder, "id",
                               [&profiles, audit](HttpRequest&& request, const Responder& respond) {
                                 HandleProfile(profiles, audit, /*events=*/true, request, respond);
                               }));
}

}  // namespace mercato

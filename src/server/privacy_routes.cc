// The data subject's rights (docs/privacy.md): erasure with a status URL, access/portability
// export, and consent updates.

#include <boost/json.hpp>
#include <charconv>

#include "core/logging.h"
#include "pipeline/journey_support.h"
#include "privacy/consent.h"
#include "server/api.h"
#include "server/forwarding.h"
#include "server/http_status.h"

namespace mercato {
namespace json = boost::json;
namespace {

constexpr size_t kMaxSubjectBytes = 1024;

std::string ActorOf(const HttpRequest& request) {
  return request.principal.key_id.empty() ? "anonymous" : "key:" + request.principal.key_id;
}

Result<json::object> ParseBody(const HttpRequest& request) {
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return Status::InvalidArgument("body must be a JSON object");
  return std::move(body.get_object());
}

void RecordAudit(AuditLog* audit, const HttpRequest& request, const std::string& action,
                 const std::string& customer, const std::string& detail) {
  if (audit == nullptr) return;
  // The request already succeeded; a failing audit write is an operational alarm, not a client
  // error, so it is reported through the log rather than by failing the request.
  Status status = audit->Record(AuditEntry{ActorOf(request), action, customer, detail});
  if (!status.ok()) {
    LOG(ERROR) << "audit record failed: " << status.ToString();
  }
}

void HandleErasureRequest(ErasureService& erasure, const HttpRequest& request,
                          const Responder& respond) {
  auto body = ParseBody(request);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  const json::value* subject = body->if_contains("subject");
  if (subject == nullptr || !subject->is_string() || subject->get_string().empty() ||
      subject->get_string().size() > kMaxSubjectBytes) {
    return respond(ErrorResponse(Status::InvalidArgument(
        "'subject' must be a non-empty string: a userId, anonymousId, e-mail or customer id")));
  }
  auto job = erasure.Request(std::string_view(subject->get_string()), ActorOf(request));
  if (!job.ok()) return respond(ErrorResponse(job.status()));
  json::object answer;
  answer["id"] = job->id;
  answer["customerId"] = job->customer_id;
  answer["state"] = job->state;
  answer["statusUrl"] = "/v1/privacy/erasure/" + job->id;
  HttpResponse response = JsonResponse(202, json::serialize(answer));
  response.headers.emplace_back("Location", "/v1/privacy/erasure/" + job->id);
  respond(std::move(response));
}

void HandleErasureStatus(const ErasureService& erasure, const HttpRequest& request,
                         const Responder& respond) {
  auto job = erasure.Get(request.PathParam("id"));
  if (!job.ok()) return respond(ErrorResponse(job.status()));
  respond(JsonResponse(200, job->ToApiJson()));
}

// GET /v1/privacy/erasure?limit=50: the newest erasure jobs, each as its status document.
void HandleErasureList(const ErasureService& erasure, const HttpRequest& request,
                       const Responder& respond) {
  constexpr size_t kDefaultLimit = 50;
  constexpr size_t kMaxLimit = 1000;
  size_t limit = kDefaultLimit;
  if (const std::string text = request.QueryParam("limit"); !text.empty()) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit < 1 || limit > kMaxLimit) {
      return respond(
          ErrorResponse(Status::InvalidArgument("'limit' must be an integer from 1 to 1000")));
    }
  }
  auto jobs = erasure.List(limit);
  if (!jobs.ok()) return respond(ErrorResponse(jobs.status()));
  // Each job's document is ToApiJson's, so a list entry and GET /v1/privacy/erasure/{id} agree.
  std::string body = "{\"requests\":[";
  for (size_t index = 0; index < jobs->size(); ++index) {
    if (index > 0) body.push_back(',');
    body += (*jobs)[index].ToApiJson();
  }
  body += "]}";
  respond(JsonResponse(200, std::move(body)));
}

void HandleExport(const ProfileStore& profiles, AuditLog* audit, const HttpRequest& request,
                  const Responder& respond) {
  auto customer = profiles.Resolve(request.PathParam("id"));
  if (!customer.ok()) {
    return respond(ErrorResponse(customer.status().code() == StatusCode::kNotFound
                                     ? Status::NotFound("no customer is known by that identity")
                                     : customer.status()));
  }
  auto document = profiles.ExportJson(*customer);
  if (!document.ok()) return respond(ErrorResponse(document.status()));
  RecordAudit(audit, request, "privacy.export", *customer, "{}");
  HttpResponse response = JsonResponse(200, std::move(document).value());
  response.headers.emplace_back("Content-Disposition",
                                "attachment; filename=\"customer-" + *customer + ".json\"");
  respond(std::move(response));
}

// {"userId"|"anonymousId": "...", "purposes": {"<purpose>": true|false, ...}} becomes an identify
// event carrying context.consent.categoryPreferences, appended to the log like any other event so
// that it is ordered with the customer's other events.
void HandleConsent(EventLog& log, const PayloadTransform& transform, const Clock& clock,
                   const HttpRequest& request, const Responder& respond) {
  auto body = ParseBody(request);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  const json::value* purposes = body->if_contains("purposes");
  if (purposes == nullptr || !purposes->is_object() || purposes->get_object().empty()) {
    return respond(ErrorResponse(Status::InvalidArgument(
        "'purposes' must be an object such as {\"email_marketing\": true}")));
  }
  json::object preferences;
  for (const auto& member : purposes->get_object()) {
    auto purpose = PurposeFromName(member.key());
    if (!purpose || PurposeName(*purpose) != std::string_view(member.key())) {
      return respond(ErrorResponse(Status::InvalidArgument(
          "unknown purpose '" + std::string(member.key().substr(0, 64)) +
          "'; use email_marketing, profiling, personalisation or advertising")));
    }
    if (!member.value().is_bool()) {
      return respond(ErrorResponse(Status::InvalidArgument("purpose '" + std::string(member.key()) +
                                                           "' must be true or false")));
    }
    preferences[member.key()] = member.value();
  }
  json::object event;
  for (const char* id : {"userId", "anonymousId"}) {
    if (const json::value* value = body->if_contains(id)) event[id] = *value;
  }
  event["type"] = "identify";
  event["context"] = json::object{{"consent", json::object{{"categoryPreferences", preferences}}}};
  const std::string source = request.principal.source.empty() ? "api" : request.principal.source;
  PayloadTransform stamp = [&transform, &source](const Event& parsed, json::object& payload) {
    payload["source"] = source;
    return transform ? transform(parsed, payload) : Status::Ok();
  };
  auto normalized = NormalizeEvent(std::move(event), EventType::kIdentify, clock.NowMicros(),
                                   IngestLimits{}, {}, stamp);
  if (!normalized.ok()) return respond(ErrorResponse(normalized.status()));
  std::vector<AppendItem> items;
  items.push_back(AppendItem{std::string(normalized->RoutingKey()), normalized->message_id,
                             normalized->received_at_us, std::move(normalized->payload)});
  log.AppendAsync(std::move(items), [respond](const Status& status, AppendResult) {
    if (!status.ok()) return respond(ErrorResponse(status));
    respond(JsonResponse(200, "{\"success\":true}"));
  });
}

// The identity an erasure request is routed by in cluster mode: the userId or anonymousId of the
// customer its subject resolves to here (so a subject given as an e-mail or customer id reaches
// the owner when this node knows the customer), else the subject itself.
std::string ErasureRoute(const PrivacyRouteDeps& deps, const HttpRequest& request) {
  auto body = ParseBody(request);
  const json::value* subject = body.ok() ? body->if_contains("subject") : nullptr;
  if (subject == nullptr || !subject->is_string()) return "";  // answered (refused) here
  std::string text(subject->get_string());
  if (deps.store != nullptr) {
    if (auto customer = deps.profiles.Resolve(text); customer.ok()) {
      if (auto routing = CustomerRoutingIdentity(*deps.store, *customer); routing.ok()) {
        return routing->value;
      }
    }
  }
  return text;
}

}  // namespace

void RegisterPrivacyRoutes(Router& router, const PrivacyRouteDeps& deps) {
  router.Add("POST", "/v1/privacy/erasure", "/v1/privacy/erasure", Access::kAdmin,
             AdmissionClass::kAdmin,
             ForwardingHandler(
                 deps.forwarder,
                 [deps](const HttpRequest& request) { return ErasureRoute(deps, request); },
                 [deps](HttpRequest&& request, const Responder& respond) {
                   // The owner's erasure also reaches the copies other nodes kept of partitions
                   // they held before a rebalance (cluster mode): each erases its own, if any.
                   const bool a_copy = request.QueryParam("scope") == "copy";
                   if (a_copy || !deps.other_nodes || !deps.forwarder) {
                     return HandleErasureRequest(deps.erasure, request, respond);
                   }
                   HttpRequest copy = request;
                   copy.query = "scope=copy";
                   HandleErasureRequest(
                       deps.erasure, request,
                       [deps, copy = std::move(copy), respond](HttpResponse answer) mutable {
                         if (answer.status == 202) {
                           ForwardToAll(deps.forwarder.pool, deps.other_nodes(), std::move(copy));
                         }
                         respond(std::move(answer));
                       });
                 }));
  router.Add("GET", "/v1/privacy/erasure", "/v1/privacy/erasure", Access::kAdmin,
             AdmissionClass::kQuery, [deps](HttpRequest&& request, const Responder& respond) {
               HandleErasureList(deps.erasure, request, respond);
             });
  router.Add("GET", "/v1/privacy/erasure/{id}", "/v1/privacy/erasure/{id}", Access::kAdmin,
             AdmissionClass::kQuery,
             GatheringHandler(deps.forwarder.pool, deps.other_nodes,
                              [deps](HttpRequest&& request, const Responder& respond) {
                                HandleErasureStatus(deps.erasure, request, respond);
                              }));
  router.Add("GET", "/v1/privacy/export/{id}", "/v1/privacy/export/{id}", Access::kAdmin,
             AdmissionClass::kAdmin,
             ForwardingHandler(deps.forwarder, "id",
                               [deps](HttpRequest&& request, const Responder& respond) {
                                 HandleExport(deps.profiles, deps.audit, request, respond);
                               }));
  router.Add("POST", "/v1/privacy/consent", "/v1/privacy/consent", Access::kWrite,
             AdmissionClass::kIngest, [deps](HttpRequest&& request, const Responder& respond) {
               HandleConsent(deps.log, deps.transform, deps.clock, request, respond);
             });
}

}  // namespace mercato

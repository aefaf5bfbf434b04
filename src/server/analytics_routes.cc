// Model runs and their outputs: POST/GET /v1/analytics/runs, GET /v1/analytics/runs/{id},
// GET /v1/analytics/cohorts and GET /v1/predictions/{id} (docs/api.md, "Analytics").

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "core/logging.h"
#include "event/json_writer.h"
#include "scoring/runs.h"
#include "server/api.h"
#include "server/http_status.h"
#include "server/json_body.h"

namespace mercato {
namespace {

namespace json = boost::json;

constexpr size_t kDefaultListLimit = 50;
constexpr size_t kMaxListLimit = 1000;

std::string StatusUrl(const std::string& id) { return "/v1/analytics/runs/" + id; }

// {"kind": "...", "params": {...}} with nothing else.
Result<std::pair<std::string, json::object>> ParseRunBody(const std::string& body) {
  ASSIGN_OR_RETURN(const json::object object, ParseJsonBody(body, {"kind", "params"}));
  const json::value* kind = object.if_contains("kind");
  if (kind == nullptr || !kind->is_string()) {
    return Status::InvalidArgument(
        "'kind' must be \"rfm\", \"cluster\", \"cohorts\" or \"predict\"");
  }
  json::object params;
  if (const json::value* given = object.if_contains("params"); given && !given->is_null()) {
    if (!given->is_object()) return Status::InvalidArgument("'params' must be a JSON object");
    params = given->get_object();
  }
  return std::make_pair(std::string(kind->get_string()), std::move(params));
}

void HandleSubmit(scoring::RunService& runs, const HttpRequest& request, const Responder& respond) {
  auto body = ParseRunBody(request.body);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  auto record = runs.Submit(body->first, body->second);
  if (!record.ok()) return respond(ErrorResponse(record.status()));
  LOG(INFO) << "model run " << record->id << " (" << record->kind << ") started by "
            << (request.principal.key_id.empty() ? "anonymous" : request.principal.key_id);
  json::object answer{{"id", record->id},
                      {"kind", record->kind},
                      {"status", record->status},
                      {"status_url", StatusUrl(record->id)}};
  HttpResponse response = JsonResponse(202, SerializeJson(answer));
  response.headers.emplace_back("Location", StatusUrl(record->id));
  respond(std::move(response));
}

Result<size_t> ParseLimit(const std::string& text) {
  if (text.empty()) return kDefaultListLimit;
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > kMaxListLimit) {
    return Status::InvalidArgument("'limit' must be an integer from 1 to " +
                                   std::to_string(kMaxListLimit));
  }
  return value;
}

void HandleList(scoring::RunService& runs, const HttpRequest& request, const Responder& respond) {
  auto limit = ParseLimit(request.QueryParam("limit"));
  if (!limit.ok()) return respond(ErrorResponse(limit.status()));
  const std::string kind = request.QueryParam("kind");
  if (!kind.empty()) {
    auto parsed = scoring::ParseRunKind(kind);
    if (!parsed.ok()) return respond(ErrorResponse(parsed.status()));
  }
  auto records = runs.runs().List(*limit, kind);
  if (!records.ok()) return respond(ErrorResponse(records.status()));
  json::array list;
  for (const scoring::RunRecord& record : *records) list.push_back(record.ToApi());
  respond(JsonResponse(200, SerializeJson(json::object{{"runs", std::move(list)}})));
}

void HandleGet(scoring::RunService& runs, const HttpRequest& request, const Responder& respond) {
  auto record = runs.runs().Get(request.PathParam("id"));
  if (!record.ok()) return respond(ErrorResponse(record.status()));
  respond(JsonResponse(200, SerializeJson(record->ToApi())));
}

void HandleCohorts(scoring::RunService& runs, const HttpRequest& request,
                   const Responder& respond) {
  std::string format = request.QueryParam("format");
  if (format.empty()) format = "json";
  if (format != "json" && format != "csv" && format != "svg") {
    return respond(ErrorResponse(Status::InvalidArgument("'format' must be json, csv or svg")));
  }
  auto record = runs.runs().LatestDone("cohorts");
  if (!record.ok()) {
    return respond(ErrorResponse(
        record.status().code() == StatusCode::kNotFound
            ? Status::NotFound("no finished cohorts run yet: POST /v1/analytics/runs with "
                               "{\"kind\": \"cohorts\"}")
            : record.status()));
  }
  if (format == "json") {
    json::object body{{"run", record->id}, {"cohorts", record->result}};
    return respond(JsonResponse(200, SerializeJson(body)));
  }
  auto artifact = runs.runs().GetArtifact(record->id, format);
  if (!artifact.ok()) return respond(ErrorResponse(artifact.status()));
  HttpResponse response;
  response.status = 200;
  response.content_type = format == "csv" ? "text/csv; charset=utf-8" : "image/svg+xml";
  response.body = std::move(artifact).value();
  response.headers.emplace_back("X-Mercato-Run", record->id);
  respond(std::move(response));
}

void HandlePredictions(const ProfileStore& profiles, AuditLog* audit, const HttpRequest& request,
                       const Responder& respond) {
  const std::string id = request.PathParam("id");
  auto customer = profiles.Resolve(id);
  if (!customer.ok()) {
    return respond(
        ErrorResponse(customer.status().code() == StatusCode::kNotFound
                          ? Status::NotFound("no customer known as '" + id.substr(0, 200) + "'")
                          : customer.status()));
  }
  auto body = profiles.PredictionsJson(*customer);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  if (audit != nullptr) {
    const std::string actor =
        request.principal.key_id.empty() ? "anonymous" : "key:" + request.principal.key_id;
    Status status = audit->Record(AuditEntry{actor, "predictions.read", *customer, ""});
    if (!status.ok()) {
      LOG(ERROR) << "audit record failed: " << status.ToString();
    }
  }
  respond(JsonResponse(200, std::move(body).value()));
}

}  // namespace

void RegisterAnalyticsRoutes(Router& router, const AnalyticsRouteDeps& deps) {
  scoring::RunService& runs = deps.runs;
  const ProfileStore& profiles = deps.profiles;
  AuditLog* audit = deps.audit;
  router.Add("POST", "/v1/analytics/runs", "/v1/analytics/runs", Access::kAdmin,
             AdmissionClass::kAdmin, [&runs](HttpRequest&& request, const Responder& respond) {
               HandleSubmit(runs, request, respond);
             });
  router.Add("GET", "/v1/analytics/runs", "/v1/analytics/runs", Access::kRead,
             AdmissionClass::kQuery, [&runs](HttpRequest&& request, const Responder& respond) {
               HandleList(runs, request, respond);
             });
  router.Add("GET", "/v1/analytics/runs/{id}", "/v1/analytics/runs/{id}", Access::kRead,
             AdmissionClass::kQuery, [&runs](HttpRequest&& request, const Responder& respond) {
               HandleGet(runs, request, respond);
             });
  router.Add("GET", "/v1/analytics/cohorts", "/v1/analytics/cohorts", Access::kRead,
             AdmissionClass::kQuery, [&runs](HttpRequest&& request, const Responder& respond) {
               HandleCohorts(runs, request, respond);
             });
  router.Add("GET", "/v1/predictions/{id}", "/v1/predictions/{id}", Access::kRead,
             AdmissionClass::kQuery,
             [&profiles, audit](HttpRequest&& request, const Responder& respond) {
               HandlePredictions(profiles, audit, request, respond);
             });
}

}  // namespace mercato

// API key administration: GET/POST /v1/keys, POST /v1/keys/{id}/rotate, DELETE /v1/keys/{id}.
// Secrets appear once, in the answers of create and rotate; listings never hold them. Changes are
// written with an fsync on the calling I/O thread: they are rare, and the admin admission budget
// bounds how many threads they can hold at once.

#include <algorithm>
#include <boost/json.hpp>
#include <initializer_list>

#include "core/time_format.h"
#include "server/api.h"
#include "server/http_status.h"
#include "server/json_body.h"

namespace mercato {
namespace {

namespace json = boost::json;

struct KeyRoutesContext {
  KeyStore& store;
  const KeyRing& ring;
  const Clock& clock;
};

HttpResponse SecretResponse(int status, const json::object& body) {
  HttpResponse response = JsonResponse(status, json::serialize(body));
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

std::string Actor(const HttpRequest& request) { return "key:" + request.principal.key_id; }

Result<std::vector<std::string>> StringArray(const json::object& body, std::string_view field) {
  std::vector<std::string> out;
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) return out;
  if (!value->is_array()) {
    return Status::InvalidArgument("'" + std::string(field) + "' must be an array of strings");
  }
  for (const json::value& item : value->get_array()) {
    if (!item.is_string()) {
      return Status::InvalidArgument("'" + std::string(field) + "' must be an array of strings");
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

Result<std::string> OptionalString(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr || value->is_null()) return std::string();
  if (!value->is_string()) {
    return Status::InvalidArgument("'" + std::string(field) + "' must be a string");
  }
  return std::string(value->get_string());
}

Result<KeySpec> ParseKeySpec(const std::string& text) {
  ASSIGN_OR_RETURN(json::object body, ParseJsonBody(text, {"name", "scopes", "source",
                                                           "allowedOrigins", "expiresAt"}));
  KeySpec spec;
  ASSIGN_OR_RETURN(spec.name, OptionalString(body, "name"));
  if (spec.name.empty()) return Status::InvalidArgument("'name' is required");
  if (!body.contains("scopes")) return Status::InvalidArgument("'scopes' is required");
  ASSIGN_OR_RETURN(std::vector<std::string> scopes, StringArray(body, "scopes"));
  for (const std::string& name : scopes) {
    auto scope = ParseScope(name);
    if (!scope.ok()) return Status::InvalidArgument("'scopes': " + scope.status().message());
    spec.scopes |= static_cast<uint8_t>(*scope);
  }
  ASSIGN_OR_RETURN(spec.source, OptionalString(body, "source"));
  ASSIGN_OR_RETURN(spec.allowed_origins, StringArray(body, "allowedOrigins"));
  ASSIGN_OR_RETURN(std::string expires, OptionalString(body, "expiresAt"));
  if (!expires.empty()) {
    auto parsed = ParseTimestamp(expires);
    if (!parsed.ok()) return Status::InvalidArgument("'expiresAt': " + parsed.status().message());
    spec.expires_at_us = *parsed;
  }
  return spec;
}

Result<int64_t> ParseGraceSeconds(const std::string& text) {
  ASSIGN_OR_RETURN(json::object body, ParseJsonBody(text, {"graceSeconds"}));
  const json::value* grace = body.if_contains("graceSeconds");
  if (grace == nullptr || grace->is_null()) return kDefaultGraceSeconds;
  if (!grace->is_int64()) {
    return Status::InvalidArgument("'graceSeconds' must be an integer from 0 to " +
                                   std::to_string(kMaxGraceSeconds));
  }
  return grace->get_int64();
}

// The {id} of the route; InvalidArgument for a key given as a `serve` flag (never stored).
Result<std::string> KeyId(const HttpRequest& request) {
  std::string id = request.PathParam("id");
  if (id.starts_with("flag-")) {
    return Status::InvalidArgument("the key '" + id.substr(0, 60) +
                                   "' is given by a `serve` flag; change the flag and restart");
  }
  return id;
}

void HandleList(const KeyRoutesContext& context, const Responder& respond) {
  const int64_t now = context.clock.NowMicros();
  json::array keys;
  for (const ApiKeyRecord& record : context.ring.Keys()) {
    if (record.bootstrap) keys.push_back(KeyView(record, now));
  }
  for (const ApiKeyRecord& record : context.store.List()) keys.push_back(KeyView(record, now));
  respond(SecretResponse(200, json::object{{"keys", std::move(keys)}}));
}

void HandleCreate(const KeyRoutesContext& context, const HttpRequest& request,
                  const Responder& respond) {
  auto spec = ParseKeySpec(request.body);
  if (!spec.ok()) return respond(ErrorResponse(spec.status()));
  auto issued = context.store.Create(std::move(spec).value(), Actor(request));
  if (!issued.ok()) return respond(ErrorResponse(issued.status()));
  respond(
      SecretResponse(201, json::object{{"key", KeyView(issued->record, context.clock.NowMicros())},
                                       {"secret", issued->secret}}));
}

void HandleRotate(const KeyRoutesContext& context, const HttpRequest& request,
                  const Responder& respond) {
  auto id = KeyId(request);
  if (!id.ok()) return respond(ErrorResponse(id.status()));
  auto grace = ParseGraceSeconds(request.body);
  if (!grace.ok()) return respond(ErrorResponse(grace.status()));
  auto issued = context.store.Rotate(*id, *grace, Actor(request));
  if (!issued.ok()) return respond(ErrorResponse(issued.status()));
  const int64_t now = context.clock.NowMicros();
  json::value valid_until = nullptr;
  const std::vector<RetiredSecret>& retired = issued->record.retired_secrets;
  if (*grace > 0 && !retired.empty()) {
    valid_until = json::value(FormatTimestamp(retired.back().valid_until_us));
  }
  respond(SecretResponse(200, json::object{{"key", KeyView(issued->record, now)},
                                           {"secret", issued->secret},
                                           {"previousSecretValidUntil", valid_until}}));
}

void HandleRevoke(const KeyRoutesContext& context, const HttpRequest& request,
                  const Responder& respond) {
  auto id = KeyId(request);
  if (!id.ok()) return respond(ErrorResponse(id.status()));
  auto revoked = context.store.Revoke(*id, Actor(request));
  if (!revoked.ok()) return respond(ErrorResponse(revoked.status()));
  respond(SecretResponse(200, json::object{{"key", KeyView(*revoked, context.clock.NowMicros())}}));
}

}  // namespace

void RegisterKeyRoutes(Router& router, KeyStore& store, const KeyRing& ring, const Clock& clock) {
  auto context = std::make_shared<KeyRoutesContext>(KeyRoutesContext{store, ring, clock});
  router.Add("GET", "/v1/keys", "/v1/keys", Access::kAdmin, AdmissionClass::kAdmin,
             [context](HttpRequest&&, const Responder& respond) { HandleList(*context, respond); });
  router.Add("POST", "/v1/keys", "/v1/keys", Access::kAdmin, AdmissionClass::kAdmin,
             [context](HttpRequest&& request, const Responder& respond) {
               HandleCreate(*context, request, respond);
             });
  router.Add("POST", "/v1/keys/{id}/rotate", "/v1/keys/{id}/rotate", Access::kAdmin,
             AdmissionClass::kAdmin, [context](HttpRequest&& request, const Responder& respond) {
               HandleRotate(*context, request, respond);
             });
  router.Add("DELETE", "/v1/keys/{id}", "/v1/keys/{id}", Access::kAdmin, AdmissionClass::kAdmin,
             [context](HttpRequest&& request, const Responder& respond) {
               HandleRevoke(*context, request, respond);
             });
}

}  // namespace mercato

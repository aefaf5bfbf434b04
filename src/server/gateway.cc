#include "server/gateway.h"

#include <memory>

#include "server/http_status.h"

namespace mercato {
namespace {

constexpr std::string_view kUnknownAddress = "unknown";

void SetHeader(HttpResponse& response, std::string_view name, std::string value) {
  for (auto& [header, existing] : response.headers) {
    if (header == name) {
      existing = std::move(value);
      return;
    }
  }
  response.headers.emplace_back(std::string(name), std::move(value));
}

Scope ScopeFor(Access access) {
  switch (access) {
    case Access::kWrite:
      return Scope::kWrite;
    case Access::kRead:
      return Scope::kRead;
    case Access::kFeedback:
      return Scope::kFeedback;
    case Access::kPublic:
    case Access::kAdmin:
      break;
  }
  return Scope::kAdmin;
}

std::string Clip(std::string_view text) { return std::string(text.substr(0, 200)); }

// A 401 challenges in the scheme the client used: Basic for Segment's libraries (and for a
// request without credentials), Bearer (RFC 6750) for a Bearer token. A browser answers a Basic
// challenge to a script's request with its own sign-in dialog, which must not happen to the
// dashboard, whose requests carry Bearer tokens.
HttpResponse AuthenticationFailure(const HttpRequest& request, const Status& status) {
  HttpResponse response = ErrorResponse(status);
  constexpr std::string_view kBearer = "bearer ";
  const std::string_view header = request.authorization;
  bool bearer = header.size() > kBearer.size();
  for (size_t k = 0; bearer && k < kBearer.size(); ++k) {
    bearer = (header[k] | 0x20) == kBearer[k];
  }
  if (!bearer) return response;
  for (auto& [name, value] : response.headers) {
    if (name == "WWW-Authenticate") value = "Bearer realm=\"mercato\", error=\"invalid_token\"";
  }
  return response;
}

}  // namespace

Gateway::Gateway(const KeyRing& keys, const Clock& clock, GatewayOptions options,
                 MetricsRegistry* metrics)
    : keys_(keys),
      options_(options),
      key_limiter_(options.key_limit, clock, options.max_rate_limit_buckets),
      ip_limiter_(options.ip_limit, clock, options.max_rate_limit_buckets),
      admission_(options.admission, metrics) {
  if (metrics != nullptr) {
    const std::string help = "Requests refused with 429 by a rate limit";
    key_limited_ = &metrics->GetCounter("mercato_rate_limited_total", help, {{"limit", "key"}});
    ip_limited_ = &metrics->GetCounter("mercato_rate_limited_total", help, {{"limit", "ip"}});
  }
}

bool Gateway::Limited(RateLimiter& limiter, Counter* counter, std::string_view key,
                      std::string_view what, const Responder& respond) {
  const int64_t wait_us = limiter.Take(key);
  if (wait_us == 0) return false;
  if (counter != nullptr) counter->Inc();
  const int64_t seconds = (wait_us + kMicrosPerSecond - 1) / kMicrosPerSecond;
  HttpResponse response = ErrorResponse(Status::ResourceExhausted(
      "rate limit of " + FormatRateLimit(limiter.limit()) + " requests per second (rate:burst) " +
      std::string(what) + " exceeded; retry in " + std::to_string(seconds) + " s"));
  SetHeader(response, "Retry-After", std::to_string(seconds));
  respond(std::move(response));
  return true;
}

void Gateway::Handle(const RouteInfo& route, const Handler& handler, HttpRequest&& request,
                     Responder respond) {
  Principal principal;
  std::string cors_origin;
  if (route.access != Access::kPublic) {
    auto key = keys_.Authenticate(request.authorization);
    if (!key.ok()) return respond(AuthenticationFailure(request, key.status()));
    const Scope needed = ScopeFor(route.access);
    if (!HasScope(key->principal.scopes, needed)) {
      return respond(ErrorResponse(Status::PermissionDenied(
          "this key lacks the '" + std::string(ScopeName(needed)) + "' scope")));
    }
    if (!request.origin.empty() && !request.SameOrigin()) {
      if (!key->record->AllowsOrigin(request.origin)) {
        return respond(ErrorResponse(Status::PermissionDenied(
            "origin '" + Clip(request.origin) +
            "' is not allowed for this key; add it to the key's allowedOrigins")));
      }
      cors_origin = request.origin;
    }
    if (Limited(key_limiter_, key_limited_, key->principal.key_id, "per key", respond)) return;
    principal = std::move(key->principal);
  }
  std::string_view address =
      request.remote_address.empty() ? kUnknownAddress : std::string_view(request.remote_address);
  if (Limited(ip_limiter_, ip_limited_, address, "per client address", respond)) return;

  std::shared_ptr<AdmissionControl::Slot> slot = admission_.TryAcquire(route.admission);
  if (slot == nullptr) {
    return respond(ErrorResponse(
        Status::Unavailable("too many " + std::string(AdmissionClassName(route.admission)) +
                            " requests in flight; retry later")));
  }
  request.principal = std::move(principal);
  handler(std::move(request), [slot, cors_origin = std::move(cors_origin),
                               respond = std::move(respond)](HttpResponse response) {
    slot->Release();
    if (!cors_origin.empty()) {
      SetHeader(response, "Access-Control-Allow-Origin", cors_origin);
      SetHeader(response, "Vary", "Origin");
    }
    respond(std::move(response));
  });
}

void Gateway::Preflight(const HttpRequest& request, const Responder& respond) {
  std::string_view address =
      request.remote_address.empty() ? kUnknownAddress : std::string_view(request.remote_address);
  if (Limited(ip_limiter_, ip_limited_, address, "per client address", respond)) return;
  if (request.origin.empty()) {
    return respond(
        ErrorResponse(Status::PermissionDenied("a CORS preflight needs an Origin header")));
  }
  if (!keys_.PreflightAllows(request.origin)) {
    return respond(ErrorResponse(Status::PermissionDenied("origin '" + Clip(request.origin) +
                                                          "' is not allowed by any write key")));
  }
  HttpResponse response;
  response.status = 204;
  response.headers = {
      {"Access-Control-Allow-Origin", request.origin},
      {"Access-Control-Allow-Methods", "POST, OPTIONS"},
      {"Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding"},
      {"Access-Control-Max-Age", std::to_string(options_.preflight_max_age_s)},
      {"Vary", "Origin"}};
  respond(std::move(response));
}

}  // namespace mercato

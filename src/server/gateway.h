#pragma once
// Gateway: the access checks every routed request passes before its handler runs, in this order:
//   1. authenticate (non-public routes): 401 with WWW-Authenticate when the credentials are
//      missing, malformed, unknown, revoked, expired, or a rotated-out secret past its grace;
//   2. authorize: 403 when the key lacks the route's scope;
//   3. CORS: a request with an Origin header is allowed only when the key's allowedOrigins hold it
//      (or "*"), else 403; allowed responses carry Access-Control-Allow-Origin and Vary: Origin;
//   4. rate limits: a token bucket per key id and one per client address, 429 with Retry-After;
//   5. admission: the route's class budget of requests in flight, 503 with Retry-After: 1;
//   6. request.principal is set and the handler runs; its slot is freed when it responds.
// CORS preflights (OPTIONS on browser-facing routes) are answered here without credentials: 204
// when some live write key allows the origin, else 403.
//
// Thread safety: Handle and Preflight are safe from any thread.

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/metrics.h"
#include "server/access.h"
#include "server/admission.h"
#include "server/auth.h"
#include "server/http_types.h"
#include "server/rate_limiter.h"

namespace mercato {

struct GatewayOptions {
  // Requests per second and burst per API key, and per client address (docs/api.md). A browser
  // write key is shared by every visitor of a shop, hence the higher per-key figure.
  RateLimit key_limit{10'000, 20'000};
  RateLimit ip_limit{2'000, 4'000};
  size_t max_rate_limit_buckets = 100'000;  // per limiter
  AdmissionBudgets admission;
  int64_t preflight_max_age_s = 7200;  // how long browsers may cache a preflight's answer
};

class Gateway {
 public:
  // `keys` must outlive the gateway. Registers mercato_rate_limited_total{limit} and the admission
  // metrics when `metrics` is not null.
  Gateway(const KeyRing& keys, const Clock& clock, GatewayOptions options,
          MetricsRegistry* metrics);

  // Runs the checks for a request matched to `route`; either answers `respond` with the refusal or
  // calls `handler` with the request (principal set) and a responder that adds the CORS headers
  // and frees the admission slot.
  void Handle(const RouteInfo& route, const Handler& handler, HttpRequest&& request,
              Responder respond);
  // Answers a CORS preflight (OPTIONS) for a browser-facing route.
  void Preflight(const HttpRequest& request, const Responder& respond);

  const AdmissionControl& admission() const { return admission_; }
  const GatewayOptions& options() const { return options_; }

 private:
  // Answers 429 (counted in `counter`) and returns true when `key` has no token left.
  bool Limited(RateLimiter& limiter, Counter* counter, std::string_view key, std::string_view what,
               const Responder& respond);

  const KeyRing& keys_;
  const GatewayOptions options_;
  RateLimiter key_limiter_;
  RateLimiter ip_limiter_;
  AdmissionControl admission_;
  Counter* key_limited_ = nullptr;
  Counter* ip_limited_ = nullptr;
};

}  // namespace mercato

#pragma once
// Router: maps method + path to handlers, passes every matched request through the Gateway
// (authentication, scopes, CORS, rate limits, admission; server/gateway.h) and records, per route
// and status code, the request count and latency (mercato_http_requests_total,
// mercato_http_request_duration_seconds).
//
// Paths are patterns of literal segments and {name} parameters ("/v1/keys/{id}/rotate"). A
// parameter matches one non-empty segment of the path as sent, so an encoded "/" (%2F) stays inside
// it; handlers read it decoded with HttpRequest::PathParam. Unknown paths answer 404, a known path
// with another method 405, except OPTIONS on a browser-facing route, which is a CORS preflight.
// Unmatched requests are counted under the route "unmatched" with the method folded to a fixed
// set, so clients cannot create series.
//
// Thread safety: register routes before serving; Dispatch is then safe from any thread. The
// per-status series are found through lock-free tables after their first use.

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "server/access.h"
#include "server/gateway.h"
#include "server/http_types.h"

namespace mercato {

class Router {
 public:
  // `gateway` must outlive the router.
  Router(Gateway& gateway, MetricsRegistry* metrics);
  ~Router();

  // Adds a route. `name` labels metrics (aliases pass their main route's path); `access` is the
  // scope a key needs (kPublic: none); `admission` the in-flight budget it draws from.
  void Add(std::string method, const std::string& path, const std::string& name, Access access,
           AdmissionClass admission, Handler handler);
  void Dispatch(HttpRequest&& request, Responder responder) const;
  // With `on`, one "request" log record per answered request (core/logging.h LogFields): request
  // id, method, route, status, milliseconds, response bytes and client address. Never the query
  // string or body (they may hold tokens or personal data). Call before serving.
  void SetAccessLog(bool on) { access_log_ = on; }

  // Every route in registration order (the access-matrix test compares it with docs/access.md).
  std::vector<RouteInfo> Routes() const;

 private:
  // The series of one route name and method, one slot per HTTP status code (100..599).
  struct RouteMetrics {
    std::string name;
    std::string method;
    // Filled on first use of a status code; a cache of the registry's series, hence mutable.
    mutable std::array<std::atomic<Counter*>, 600> counters{};
    mutable std::array<std::atomic<Histogram*>, 600> latencies{};
  };
  struct Route {
    RouteInfo info;
    std::vector<std::string> segments;  // "{...}" marks a parameter
    Handler handler;
    RouteMetrics* metrics = nullptr;
    RouteMetrics* preflight_metrics = nullptr;  // browser-facing routes only
  };
  RouteMetrics* MetricsFor(const std::string& name, const std::string& method);
  const RouteMetrics* UnmatchedMetrics(std::string_view method) const;
  Responder Instrument(const RouteMetrics* route_metrics, const HttpRequest& request,
                       Responder responder) const;

  Gateway& gateway_;
  MetricsRegistry* metrics_;  // may be null
  bool access_log_ = false;
  std::vector<Route> routes_;
  std::vector<std::unique_ptr<RouteMetrics>> route_metrics_;  // stable addresses
};

}  // namespace mercato

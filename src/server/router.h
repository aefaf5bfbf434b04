#pragma once
// Router: maps method + path to handlers and records, per route and status code, the request count
// and latency (mercato_http_requests_total, mercato_http_request_duration_seconds).
// Unknown paths answer 404, a known path with another method 405; both are counted under the
// route "unmatched" with the method folded to a fixed set, so clients cannot create series.
//
// Thread safety: register routes before serving; Dispatch is then safe from any thread. The
// per-status series are found through lock-free tables after their first use.

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "server/http_types.h"

namespace mercato {

class Router {
 public:
  explicit Router(MetricsRegistry* metrics);
  ~Router();

  // `path` matches exactly; with a trailing '*' it matches as a prefix. `name` labels metrics.
  void Add(std::string method, std::string path, const std::string& name, Handler handler);
  void Dispatch(HttpRequest&& request, Responder responder) const;

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
    std::string method;
    std::string path;
    bool prefix = false;
    Handler handler;
    RouteMetrics* metrics = nullptr;
  };
  RouteMetrics* MetricsFor(const std::string& name, const std::string& method);
  const RouteMetrics* UnmatchedMetrics(std::string_view method) const;
  Responder Instrument(const RouteMetrics* route_metrics, Responder responder) const;

  MetricsRegistry* metrics_;  // may be null
  std::vector<Route> routes_;
  std::vector<std::unique_ptr<RouteMetrics>> route_metrics_;  // stable addresses
};

}  // namespace mercato

#pragma once
// Router: maps method + path to handlers and records, per route and status code, the request count
// and latency (mercato_http_requests_total, mercato_http_request_duration_seconds).
// Unknown paths answer 404, a known path with another method 405.
//
// Thread safety: register routes before serving; Dispatch is then safe from any thread.

#include <string>
#include <vector>

#include "core/metrics.h"
#include "server/http_types.h"

namespace mercato {

class Router {
 public:
  explicit Router(MetricsRegistry* metrics) : metrics_(metrics) {}

  // `path` matches exactly; with a trailing '*' it matches as a prefix. `name` labels metrics.
  void Add(std::string method, std::string path, std::string name, Handler handler);
  void Dispatch(HttpRequest&& request, Responder responder) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    std::string name;
    Handler handler;
  };
  Responder Instrument(const std::string& name, const std::string& method,
                       Responder responder) const;

  MetricsRegistry* metrics_;  // may be null
  std::vector<Route> routes_;
};

}  // namespace mercato

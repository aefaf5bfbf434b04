#include "server/router.h"

#include <chrono>

#include "server/http_status.h"

namespace mercato {

void Router::Add(std::string method, std::string path, std::string name, Handler handler) {
  Route route;
  route.method = std::move(method);
  route.prefix = !path.empty() && path.back() == '*';
  if (route.prefix) path.pop_back();
  route.path = std::move(path);
  route.name = std::move(name);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

Responder Router::Instrument(const std::string& name, const std::string& method,
                             Responder responder) const {
  if (metrics_ == nullptr) return responder;
  auto started = std::chrono::steady_clock::now();
  return [this, name, method, started, responder = std::move(responder)](HttpResponse response) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    Labels labels = {
        {"route", name}, {"method", method}, {"code", std::to_string(response.status)}};
    metrics_->GetCounter("mercato_http_requests_total", "HTTP requests by route and status", labels)
        .Inc();
    metrics_
        ->GetHistogram("mercato_http_request_duration_seconds",
                       "HTTP request latency by route and status", labels, DefaultLatencyBuckets())
        .Observe(seconds);
    responder(std::move(response));
  };
}

void Router::Dispatch(HttpRequest&& request, Responder responder) const {
  bool path_known = false;
  for (const Route& route : routes_) {
    bool matches = route.prefix ? request.path.compare(0, route.path.size(), route.path) == 0 &&
                                      request.path.size() > route.path.size()
                                : request.path == route.path;
    if (!matches) continue;
    path_known = true;
    if (route.method != request.method) continue;
    route.handler(std::move(request), Instrument(route.name, route.method, std::move(responder)));
    return;
  }
  if (path_known) {
    HttpResponse response = ErrorResponse(Status::InvalidArgument("method not allowed"));
    response.status = 405;
    Instrument("unmatched", request.method, std::move(responder))(std::move(response));
    return;
  }
  Instrument("unmatched", request.method, std::move(responder))(
      ErrorResponse(Status::NotFound("no such endpoint: " + request.path.substr(0, 200))));
}

}  // namespace mercato

#include "server/router.h"

#include <chrono>

#include "server/http_status.h"

namespace mercato {
namespace {

constexpr const char* kKnownMethods[] = {"GET",  "POST",    "PUT",   "DELETE",
                                         "HEAD", "OPTIONS", "PATCH", "other"};

}  // namespace

Router::Router(MetricsRegistry* metrics) : metrics_(metrics) {
  for (const char* method : kKnownMethods) MetricsFor("unmatched", method);
}

Router::~Router() = default;

Router::RouteMetrics* Router::MetricsFor(const std::string& name, const std::string& method) {
  for (auto& existing : route_metrics_) {
    if (existing->name == name && existing->method == method) return existing.get();
  }
  auto created = std::make_unique<RouteMetrics>();
  created->name = name;
  created->method = method;
  route_metrics_.push_back(std::move(created));
  return route_metrics_.back().get();
}

const Router::RouteMetrics* Router::UnmatchedMetrics(std::string_view method) const {
  // The first entries of route_metrics_ are the unmatched ones, in kKnownMethods order.
  constexpr size_t kCount = std::size(kKnownMethods);
  for (size_t index = 0; index + 1 < kCount; ++index) {
    if (method == kKnownMethods[index]) return route_metrics_[index].get();
  }
  return route_metrics_[kCount - 1].get();
}

void Router::Add(std::string method, std::string path, const std::string& name, Handler handler) {
  Route route;
  route.prefix = !path.empty() && path.back() == '*';
  if (route.prefix) path.pop_back();
  route.path = std::move(path);
  route.metrics = MetricsFor(name, method);
  route.method = std::move(method);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

Responder Router::Instrument(const RouteMetrics* route_metrics, Responder responder) const {
  if (metrics_ == nullptr) return responder;
  auto started = std::chrono::steady_clock::now();
  return [this, route_metrics, started, responder = std::move(responder)](HttpResponse response) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    size_t slot =
        response.status >= 100 && response.status < 600 ? static_cast<size_t>(response.status) : 0;
    // The registry returns the same series for the same labels, so a race between two first
    // uses stores the same pointer twice.
    std::atomic<Counter*>& counter_slot = route_metrics->counters[slot];
    std::atomic<Histogram*>& latency_slot = route_metrics->latencies[slot];
    Counter* counter = counter_slot.load(std::memory_order_acquire);
    Histogram* latency = latency_slot.load(std::memory_order_acquire);
    if (counter == nullptr || latency == nullptr) {
      Labels labels = {{"route", route_metrics->name},
                       {"method", route_metrics->method},
                       {"code", std::to_string(response.status)}};
      counter = &metrics_->GetCounter("mercato_http_requests_total",
                                      "HTTP requests by route and status", labels);
      latency = &metrics_->GetHistogram("mercato_http_request_duration_seconds",
                                        "HTTP request latency by route and status", labels,
                                        DefaultLatencyBuckets());
      counter_slot.store(counter, std::memory_order_release);
      latency_slot.store(latency, std::memory_order_release);
    }
    counter->Inc();
    latency->Observe(seconds);
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
    route.handler(std::move(request), Instrument(route.metrics, std::move(responder)));
    return;
  }
  Responder counted = Instrument(UnmatchedMetrics(request.method), std::move(responder));
  if (path_known) {
    HttpResponse response = ErrorResponse(Status::InvalidArgument("method not allowed"));
    response.status = 405;
    counted(std::move(response));
    return;
  }
  counted(ErrorResponse(Status::NotFound("no such endpoint: " + request.path.substr(0, 200))));
}

}  // namespace mercato

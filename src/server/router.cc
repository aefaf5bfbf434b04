#include "server/router.h"

#include <chrono>

#include "core/logging.h"
#include "server/http_status.h"

namespace mercato {
namespace {

constexpr const char* kKnownMethods[] = {"GET",  "POST",    "PUT",   "DELETE",
                                         "HEAD", "OPTIONS", "PATCH", "other"};

// "/v1/keys/x" -> {"v1", "keys", "x"}; "/" -> {""}.
std::vector<std::string_view> SplitPath(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::vector<std::string_view> segments;
  while (true) {
    size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Whether the sent segments match the pattern; fills `params` (decoded) when they do.
bool Matches(const std::vector<std::string>& pattern, const std::vector<std::string_view>& sent,
             std::vector<std::pair<std::string, std::string>>* params) {
  if (pattern.size() != sent.size()) return false;
  std::string decoded;
  for (size_t k = 0; k < pattern.size(); ++k) {
    std::string_view segment = sent[k];
    if (segment.find('%') != std::string_view::npos) {
      if (!PercentDecode(segment, decoded)) return false;
      segment = decoded;
    }
    if (IsParameter(pattern[k])) {
      if (segment.empty()) return false;
      if (params != nullptr) {
        params->emplace_back(pattern[k].substr(1, pattern[k].size() - 2), std::string(segment));
      }
    } else if (segment != pattern[k]) {
      return false;
    }
  }
  return true;
}

}  // namespace

Router::Router(Gateway& gateway, MetricsRegistry* metrics) : gateway_(gateway), metrics_(metrics) {
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

void Router::Add(std::string method, const std::string& path, const std::string& name,
                 Access access, AdmissionClass admission, Handler handler) {
  Route route;
  for (std::string_view segment : SplitPath(path)) route.segments.emplace_back(segment);
  route.metrics = MetricsFor(name, method);
  route.info = RouteInfo{std::move(method), path, name, access, admission};
  if (route.info.browser_facing()) route.preflight_metrics = MetricsFor(name, "OPTIONS");
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> routes;
  routes.reserve(routes_.size());
  for (const Route& route : routes_) routes.push_back(route.info);
  return routes;
}

Responder Router::Instrument(const RouteMetrics* route_metrics, const HttpRequest& request,
                             Responder responder) const {
  auto started = std::chrono::steady_clock::now();
  std::string request_id = request.request_id;
  std::string address = access_log_ ? request.remote_address : std::string();
  return [this, route_metrics, started, request_id = std::move(request_id),
          address = std::move(address), responder = std::move(responder)](HttpResponse response) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!request_id.empty()) response.headers.emplace_back("X-Request-Id", request_id);
    if (access_log_) {
      LogFields(LogLevel::kInfo, "request",
                {{"requestId", request_id},
                 {"method", route_metrics->method},
                 {"route", route_metrics->name},
                 {"client", address}},
                {{"status", response.status},
                 {"ms", seconds * 1e3},
                 {"bytes", static_cast<double>(response.body.size())}});
    }
    if (metrics_ == nullptr) {
      responder(std::move(response));
      return;
    }
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
  // Log lines written while this thread handles the request carry its id.
  const ScopedRequestId scoped(request.request_id);
  const std::vector<std::string_view> sent =
      SplitPath(request.raw_path.empty() ? request.path : request.raw_path);
  bool path_known = false;
  const Route* preflight = nullptr;
  for (const Route& route : routes_) {
    if (!Matches(route.segments, sent, nullptr)) continue;
    path_known = true;
    if (route.info.method != request.method) {
      if (request.method == "OPTIONS" && route.info.browser_facing()) preflight = &route;
      continue;
    }
    request.path_params.clear();
    (void)Matches(route.segments, sent, &request.path_params);
    Responder instrumented = Instrument(route.metrics, request, std::move(responder));
    gateway_.Handle(route.info, route.handler, std::move(request), std::move(instrumented));
    return;
  }
  if (preflight != nullptr) {
    gateway_.Preflight(request,
                       Instrument(preflight->preflight_metrics, request, std::move(responder)));
    return;
  }
  Responder counted = Instrument(UnmatchedMetrics(request.method), request, std::move(responder));
  if (path_known) {
    HttpResponse response = ErrorResponse(Status::InvalidArgument("method not allowed"));
    response.status = 405;
    counted(std::move(response));
    return;
  }
  counted(ErrorResponse(Status::NotFound("no such endpoint: " + request.path.substr(0, 200))));
}

}  // namespace mercato

#pragma once
// A router and gateway without HTTP, for tests of the gateway's checks: requests are HttpRequest
// values, answers arrive synchronously (or are held by the test's own handlers).

#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/metrics.h"
#include "server/gateway.h"
#include "server/http_status.h"
#include "server/router.h"

namespace mercato::testing {

struct CallOptions {
  std::string authorization;
  std::string remote_address = "10.0.0.1";
  std::string origin;
  std::string host;  // the Host header
};

class GatewayHarness {
 public:
  explicit GatewayHarness(GatewayOptions options = {}, int64_t now_us = 1'700'000'000'000'000)
      : clock_(now_us),
        keys_(clock_),
        gateway_(std::make_unique<Gateway>(keys_, clock_, options, &metrics_)),
        router_(std::make_unique<Router>(*gateway_, &metrics_)) {}

  // A route that answers 200 {"ok":true} at once.
  void AddAnswering(const std::string& method, const std::string& path, Access access,
                    AdmissionClass admission) {
    router_->Add(method, path, path, access, admission,
                 [](HttpRequest&&, const Responder& respond) {
                   respond(JsonResponse(200, "{\"ok\":true}"));
                 });
  }

  // Dispatches and returns the answer; nullopt when the handler has not answered (yet).
  std::optional<HttpResponse> Call(const std::string& method, const std::string& path,
                                   const CallOptions& options = {}) {
    HttpRequest request;
    request.method = method;
    request.path = path;
    request.raw_path = path;
    request.authorization = options.authorization;
    request.remote_address = options.remote_address;
    request.origin = options.origin;
    request.host = options.host;
    auto answer = std::make_shared<std::optional<HttpResponse>>();
    router_->Dispatch(std::move(request),
                      [answer](HttpResponse response) { *answer = std::move(response); });
    return *answer;
  }

  FakeClock& clock() { return clock_; }
  KeyRing& keys() { return keys_; }
  Gateway& gateway() { return *gateway_; }
  Router& router() { return *router_; }
  MetricsRegistry& metrics() { return metrics_; }

 private:
  FakeClock clock_;
  MetricsRegistry metrics_;
  KeyRing keys_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<Router> router_;
};

// The value of a response header, or empty.
inline std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace mercato::testing

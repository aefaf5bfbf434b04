// Operational endpoints: liveness, readiness, Prometheus metrics and an index.

#include <boost/json.hpp>

#include "server/api.h"
#include "server/http_status.h"

namespace mercato {

void RegisterOpsRoutes(Router& router, MetricsRegistry& metrics, std::function<bool()> ready) {
  router.Add("GET", "/healthz", "/healthz", Access::kPublic, AdmissionClass::kOps,
             [](HttpRequest&&, const Responder& respond) {
               respond(JsonResponse(200, "{\"status\":\"ok\"}"));
             });
  router.Add("GET", "/readyz", "/readyz", Access::kPublic, AdmissionClass::kOps,
             [ready = std::move(ready)](HttpRequest&&, const Responder& respond) {
               if (ready()) return respond(JsonResponse(200, "{\"status\":\"ready\"}"));
               respond(ErrorResponse(Status::Unavailable("not ready")));
             });
  router.Add("GET", "/metrics", "/metrics", Access::kPublic, AdmissionClass::kOps,
             [&metrics](HttpRequest&&, const Responder& respond) {
               HttpResponse response;
               response.content_type = "text/plain; version=0.0.4; charset=utf-8";
               response.body = metrics.RenderPrometheus();
               respond(std::move(response));
             });
  // The router is complete when requests arrive, so the index lists every route registered.
  router.Add("GET", "/", "/", Access::kPublic, AdmissionClass::kOps,
             [&router](HttpRequest&&, const Responder& respond) {
               boost::json::array endpoints;
               for (const RouteInfo& route : router.Routes()) {
                 if (route.name != route.path) continue;  // short aliases
                 endpoints.emplace_back(route.method + " " + route.path);
               }
               respond(JsonResponse(
                   200, boost::json::serialize(boost::json::object{{"name", "mercato"},
                                                                   {"api", "v1"},
                                                                   {"docs", "docs/api.md"},
                                                                   {"endpoints", endpoints}})));
             });
}

}  // namespace mercato

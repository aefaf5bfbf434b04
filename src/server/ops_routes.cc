// Operational endpoints: liveness, readiness, Prometheus metrics and an index.

#include "server/api.h"
#include "server/http_status.h"

namespace mercato {

void RegisterOpsRoutes(Router& router, MetricsRegistry& metrics, std::function<bool()> ready) {
  router.Add("GET", "/healthz", "/healthz", [](HttpRequest&&, const Responder& respond) {
    respond(JsonResponse(200, "{\"status\":\"ok\"}"));
  });
  router.Add("GET", "/readyz", "/readyz",
             [ready = std::move(ready)](HttpRequest&&, const Responder& respond) {
               if (ready()) return respond(JsonResponse(200, "{\"status\":\"ready\"}"));
               respond(ErrorResponse(Status::Unavailable("not ready")));
             });
  router.Add("GET", "/metrics", "/metrics", [&metrics](HttpRequest&&, const Responder& respond) {
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics.RenderPrometheus();
    respond(std::move(response));
  });
  router.Add("GET", "/", "/", [](HttpRequest&&, const Responder& respond) {
    respond(JsonResponse(
        200,
        "{\"name\":\"mercato\",\"api\":\"v1\",\"docs\":\"docs/api.md\",\"endpoints\":["
        "\"POST /v1/track\",\"POST /v1/identify\",\"POST /v1/page\",\"POST /v1/screen\","
        "\"POST /v1/group\",\"POST /v1/alias\",\"POST /v1/batch\",\"GET /v1/profiles/{id}\","
        "\"GET /v1/profiles/{id}/events\",\"GET /v1/stats\",\"GET /healthz\",\"GET /readyz\",\"GET "
        "/metrics\"]}"));
  });
}

}  // namespace mercato

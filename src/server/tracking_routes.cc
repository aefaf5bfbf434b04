// Open and click tracking of journey e-mails (server/api.h RegisterTrackingRoutes).

#include <boost/json.hpp>
#include <vector>

#include "core/hash.h"
#include "event/event.h"
#include "pipeline/journey_support.h"
#include "pipeline/tracking.h"
#include "server/api.h"
#include "server/http_status.h"

namespace mercato {
namespace {

namespace json = boost::json;

// A transparent 1x1 GIF.
constexpr unsigned char kPixel[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};

// journey/customer/entry/version/step (journey/engine_keys.h IdempotencyKey).
std::vector<std::string> KeyParts(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t slash = key.find('/', start);
    parts.push_back(key.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

Status Record(const TrackingRouteDeps& deps, const std::string& key, std::string_view name,
              std::string_view url) {
  const std::vector<std::string> parts = KeyParts(key);
  if (parts.size() != 5) return Status::InvalidArgument("not a message key");
  json::object properties{{"journey", parts[0]}, {"step", parts[4]}};
  if (!url.empty()) properties["url"] = url;
  const std::string seed = key + "|" + std::string(name) + "|" + std::string(url);
  const std::string message_id =
      "trk-" + std::to_string(Hash64(seed, 3)) + "-" + std::to_string(Hash64(seed, 4));
  Status appended = AppendCustomerEvent(
      deps.store, deps.log, parts[1],
      json::object{{"type", "track"}, {"event", name}, {"properties", std::move(properties)}},
      message_id, kEmailFeedbackSource, deps.clock.NowMicros());
  // A customer erased since: nothing to record.
  return appended.code() == StatusCode::kNotFound ? Status::Ok() : appended;
}

}  // namespace

void RegisterTrackingRoutes(Router& router, const TrackingRouteDeps& deps) {
  router.Add("GET", "/v1/email/open", "/v1/email/open", Access::kPublic, AdmissionClass::kIngest,
             [deps](HttpRequest&& request, const Responder& respond) {
               Result<std::string> key = VerifyTrackingToken(deps.secret, request.QueryParam("t"));
               if (key.ok()) (void)Record(deps, *key, kEmailOpenedEvent, "");
               HttpResponse response;
               response.status = 200;
               response.headers.emplace_back("Content-Type", "image/gif");
               response.headers.emplace_back("Cache-Control", "no-store");
               response.body.assign(reinterpret_cast<const char*>(kPixel), sizeof kPixel);
               respond(std::move(response));
             });
  router.Add("GET", "/v1/email/click", "/v1/email/click", Access::kPublic, AdmissionClass::kIngest,
             [deps](HttpRequest&& request, const Responder& respond) {
               const std::string token = request.QueryParam("t");
               const std::string url = request.QueryParam("u");
               Result<std::string> key = VerifyTrackingToken(deps.secret, token);
               const bool web = url.starts_with("https://") || url.starts_with("http://");
               if (!key.ok() || !web || url.find_first_of("\r\n") != std::string::npos ||
                   request.QueryParam("s") != ClickSignature(deps.secret, token, url)) {
                 return respond(ErrorResponse(Status::InvalidArgument("the link is not valid")));
               }
               if (Status recorded = Record(deps, *key, kEmailClickedEvent, url); !recorded.ok()) {
                 return respond(ErrorResponse(recorded));
               }
               HttpResponse response;
               response.status = 302;
               response.headers.emplace_back("Location", url);
               response.headers.emplace_back("Cache-Control", "no-store");
               respond(std::move(response));
             });
}

}  // namespace mercato

// Segment-compatible ingestion: validate, append to the durable log, answer after the sync.

#include <boost/json/object.hpp>
#include <cctype>
#include <memory>

#include "server/api.h"
#include "server/gzip.h"
#include "server/http_status.h"

namespace mercato {
namespace {

struct IngestContext {
  EventLog& log;
  IngestLimits limits;
  const Clock& clock;
  PayloadTransform transform;  // may be empty
  Counter* rejected_events = nullptr;
};

// Decodes the body per Content-Encoding; the decoded size is bounded by the batch limit so that a
// compressed bomb stops early.
Result<std::string> DecodeBody(HttpRequest& request, const IngestLimits& limits) {
  // Content codings are case-insensitive (RFC 9110, 8.4.1).
  std::string encoding = request.content_encoding;
  for (char& c : encoding) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (encoding.empty() || encoding == "identity") return std::move(request.body);
  if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
    return Gunzip(request.body, limits.max_batch_bytes);
  }
  return Status::InvalidArgument("unsupported Content-Encoding '" + encoding.substr(0, 40) +
                                 "'; use gzip or none");
}

void HandleIngest(const IngestContext& context, std::optional<EventType> route_type,
                  HttpRequest&& request, Responder respond) {
  auto body = DecodeBody(request, context.limits);
  if (!body.ok()) return respond(ErrorResponse(body.status()));

  // The gateway authenticated the write key; its source is recorded on every event it sends,
  // before the registered transform sees the event.
  const PayloadTransform* transform = &context.transform;
  PayloadTransform stamp_source;
  if (!request.principal.source.empty()) {
    stamp_source = [&source = request.principal.source, &then = context.transform](
                       const Event& event, boost::json::object& payload) {
      payload["source"] = source;
      return then ? then(event, payload) : Status::Ok();
    };
    transform = &stamp_source;
  }
  const int64_t now = context.clock.NowMicros();
  std::vector<EventError> errors;
  std::vector<Event> events;
  if (route_type) {
    auto event = ParseSingleEvent(*body, *route_type, now, context.limits, errors, *transform);
    if (!event.ok()) {
      if (context.rejected_events) context.rejected_events->Inc();
      return respond(ErrorResponse(event.status(), errors));
    }
    events.push_back(std::move(event).value());
  } else {
    auto batch = ParseBatch(*body, now, context.limits, errors, *transform);
    if (!batch.ok()) {
      if (context.rejected_events) context.rejected_events->Inc(std::max<size_t>(1, errors.size()));
      return respond(ErrorResponse(batch.status(), errors));
    }
    events = std::move(batch).value();
  }

  std::vector<AppendItem> items;
  items.reserve(events.size());
  for (Event& event : events) {
    items.push_back(AppendItem{std::string(event.RoutingKey()), std::move(event.message_id),
                               event.received_at_us, std::move(event.payload)});
  }
  context.log.AppendAsync(std::move(items),
                          [respond = std::move(respond)](Status status, AppendResult) {
                            if (!status.ok()) {
                              // A full queue is back-pressure, not a client error.
                              if (status.code() == StatusCode::kResourceExhausted) {
                                status = Status::Unavailable(status.message());
                              }
                              return respond(ErrorResponse(status));
                            }
                            respond(JsonResponse(200, "{\"success\":true}"));
                          });
}

}  // namespace

void RegisterIngestRoutes(Router& router, EventLog& log, const IngestLimits& limits,
                          const Clock& clock, MetricsRegistry* metrics,
                          PayloadTransform transform) {
  // Shared by every route's handler; lives as long as the router holds a handler.
  auto context =
      std::make_shared<IngestContext>(IngestContext{log, limits, clock, std::move(transform)});
  if (metrics != nullptr) {
    context->rejected_events =
        &metrics->GetCounter("mercato_events_rejected_total",
                             "Events rejected by validation (none of their batch stored)");
  }
  struct RouteSpec {
    const char* path;
    const char* short_path;
    std::optional<EventType> type;
  };
  const RouteSpec specs[] = {
      {"/v1/track", "/v1/t", EventType::kTrack}, {"/v1/identify", "/v1/i", EventType::kIdentify},
      {"/v1/page", "/v1/p", EventType::kPage},   {"/v1/screen", "/v1/s", EventType::kScreen},
      {"/v1/group", "/v1/g", EventType::kGroup}, {"/v1/alias", "/v1/a", EventType::kAlias},
      {"/v1/batch", "/v1/b", std::nullopt},
  };
  for (const RouteSpec& spec : specs) {
    Handler handler = [context, type = spec.type](HttpRequest&& request, Responder respond) {
      HandleIngest(*context, type, std::move(request), std::move(respond));
    };
    router.Add("POST", spec.path, spec.path, Access::kWrite, AdmissionClass::kIngest, handler);
    router.Add("POST", spec.short_path, spec.path, Access::kWrite, AdmissionClass::kIngest,
               handler);
  }
}

}  // namespace mercato

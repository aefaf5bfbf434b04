// Segments: GET/POST /v1/segments, GET/PATCH/DELETE /v1/segments/{id},
// GET /v1/segments/{id}/members, GET /v1/segments/{id}/history, POST /v1/segments/preview.

#include <boost/json.hpp>
#include <charconv>

#include "core/time_format.h"
#include "segment/segment_engine.h"
#include "server/api.h"
#include "server/forwarding.h"
#include "server/http_status.h"
#include "server/json_body.h"

namespace mercato {
namespace {

namespace json = boost::json;
using segment::SegmentEngine;
using segment::SegmentSpec;

Result<std::optional<std::string>> Text(const json::object& body, std::string_view field) {
  const json::value* value = body.if_contains(field);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) {
    return Status::InvalidArgument("'" + std::string(field) + "' must be a string");
  }
  return std::optional<std::string>(std::string(value->get_string()));
}

Result<SegmentSpec> ParseSpec(const std::string& text) {
  ASSIGN_OR_RETURN(json::object body, ParseJsonBody(text, {"id", "name", "description", "rule"}));
  SegmentSpec spec;
  ASSIGN_OR_RETURN(spec.id, Text(body, "id"));
  ASSIGN_OR_RETURN(spec.name, Text(body, "name"));
  ASSIGN_OR_RETURN(spec.description, Text(body, "description"));
  ASSIGN_OR_RETURN(spec.rule, Text(body, "rule"));
  return spec;
}

Result<size_t> ParseCount(const std::string& text, std::string_view name, size_t fallback,
                          size_t min, size_t max) {
  if (text.empty()) return fallback;
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Status::InvalidArgument("'" + std::string(name) + "' must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

HttpResponse ViewResponse(int status, const Result<segment::SegmentView>& view) {
  if (!view.ok()) return ErrorResponse(view.status());
  return JsonResponse(status, view->ToJson());
}

void HandleMembers(SegmentEngine& engine, const HttpRequest& request, const Responder& respond) {
  auto limit = ParseCount(request.QueryParam("limit"), "limit", 100, 1, 1000);
  if (!limit.ok()) return respond(ErrorResponse(limit.status()));
  auto page = engine.Members(request.PathParam("id"), request.QueryParam("cursor"), *limit);
  if (!page.ok()) return respond(ErrorResponse(page.status()));
  json::array members;
  for (const segment::Member& m : page->members) {
    members.push_back(json::object{{"customerId", m.customer_id},
                                   {"enteredAt", FormatTimestamp(m.entered_at_us)}});
  }
  json::object out{{"members", std::move(members)}};
  out["nextCursor"] =
      page->next_cursor.empty() ? json::value(nullptr) : json::value(page->next_cursor);
  respond(JsonResponse(200, json::serialize(out)));
}

void HandleHistory(SegmentEngine& engine, const HttpRequest& request, const Responder& respond) {
  auto points = engine.History(request.PathParam("id"));
  if (!points.ok()) return respond(ErrorResponse(points.status()));
  json::array history;
  for (const segment::SizePoint& point : *points) {
    history.push_back(json::object{{"at", FormatTimestamp(point.at_us)},
                                   {"size", point.size},
                                   {"version", point.version},
                                   {"reason", point.reason}});
  }
  respond(JsonResponse(200, json::serialize(json::object{{"history", std::move(history)}})));
}

void HandlePreview(SegmentEngine& engine, const HttpRequest& request, const Responder& respond) {
  auto body = ParseJsonBody(request.body, {"rule", "sample"});
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  auto rule = Text(*body, "rule");
  if (!rule.ok()) return respond(ErrorResponse(rule.status()));
  if (!*rule) return respond(ErrorResponse(Status::InvalidArgument("'rule' is required")));
  size_t sample = 10;
  if (const json::value* value = body->if_contains("sample")) {
    if (!value->is_int64() || value->get_int64() < 0 || value->get_int64() > 100) {
      return respond(
          ErrorResponse(Status::InvalidArgument("'sample' must be an integer from 0 to 100")));
    }
    sample = static_cast<size_t>(value->get_int64());
  }
  auto preview = engine.Preview(**rule, sample);
  if (!preview.ok()) return respond(ErrorResponse(preview.status()));
  json::array ids;
  for (const std::string& id : preview->sample) ids.emplace_back(id);
  json::object out{{"rule", preview->rule},
                   {"size", preview->matched},
                   {"evaluated", preview->evaluated},
                   {"customers", preview->total},
                   {"complete", preview->evaluated == preview->total},
                   {"sample", std::move(ids)}};
  respond(JsonResponse(200, json::serialize(out)));
}

// The definition a segment is shared as.
segment::SegmentSpec DefinitionOf(const segment::SegmentView& view) {
  return segment::SegmentSpec{view.definition.id, view.definition.name, view.definition.description,
                              view.definition.rule};
}

HttpResponse NotShared(const Status& status) {
  return ErrorResponse(Status::Unavailable(
      "the change could not be shared with the other nodes and was not made: " + status.message()));
}

}  // namespace

void RegisterSegmentRoutes(Router& router, SegmentEngine& engine, const SegmentShare& share) {
  router.Add("GET", "/v1/segments", "/v1/segments", Access::kRead, AdmissionClass::kQuery,
             [&engine](HttpRequest&&, const Responder& respond) {
               std::string body = "{\"segments\":[";
               bool first = true;
               for (const segment::SegmentView& view : engine.List()) {
                 if (!first) body += ',';
                 first = false;
                 body += view.ToJson();
               }
               body += "]}";
               respond(JsonResponse(200, std::move(body)));
             });
  router.Add("POST", "/v1/segments", "/v1/segments", Access::kAdmin, AdmissionClass::kAdmin,
             [&engine, share](HttpRequest&& request, const Responder& respond) {
               auto spec = ParseSpec(request.body);
               if (!spec.ok()) return respond(ErrorResponse(spec.status()));
               auto created = engine.Create(*spec);
               if (created.ok() && share) {
                 const segment::SegmentSpec definition = DefinitionOf(*created);
                 if (Status shared = share(*definition.id, &definition); !shared.ok()) {
                   (void)engine.Delete(*definition.id);
                   return respond(NotShared(shared));
                 }
               }
               respond(ViewResponse(201, created));
             });
  router.Add("POST", "/v1/segments/preview", "/v1/segments/preview", Access::kRead,
             AdmissionClass::kAdmin, [&engine](HttpRequest&& request, const Responder& respond) {
               HandlePreview(engine, request, respond);
             });
  router.Add("GET", "/v1/segments/{id}", "/v1/segments/{id}", Access::kRead, AdmissionClass::kQuery,
             [&engine](HttpRequest&& request, const Responder& respond) {
               respond(ViewResponse(200, engine.Get(request.PathParam("id"))));
             });
  router.Add("PATCH", "/v1/segments/{id}", "/v1/segments/{id}", Access::kAdmin,
             AdmissionClass::kAdmin,
             [&engine, share](HttpRequest&& request, const Responder& respond) {
               auto spec = ParseSpec(request.body);
               if (!spec.ok()) return respond(ErrorResponse(spec.status()));
               const std::string id = request.PathParam("id");
               auto before = engine.Get(id);
               auto updated = engine.Update(id, *spec);
               if (updated.ok() && share && before.ok()) {
                 const segment::SegmentSpec definition = DefinitionOf(*updated);
                 if (Status shared = share(id, &definition); !shared.ok()) {
                   segment::SegmentSpec restore = DefinitionOf(*before);
                   restore.id.reset();
                   (void)engine.Update(id, restore);
                   return respond(NotShared(shared));
                 }
               }
               respond(ViewResponse(200, updated));
             });
  router.Add("DELETE", "/v1/segments/{id}", "/v1/segments/{id}", Access::kAdmin,
             AdmissionClass::kAdmin,
             [&engine, share](HttpRequest&& request, const Responder& respond) {
               const std::string id = request.PathParam("id");
               Status status;
               if (share) {
                 // Shared first: the other nodes (and this one's reader) delete on the tombstone,
                 // so a segment that is already gone here was deleted by it, not by someone else.
                 if (auto existing = engine.Get(id); !existing.ok()) {
                   return respond(ErrorResponse(existing.status()));
                 }
                 if (Status shared = share(id, nullptr); !shared.ok()) {
                   return respond(NotShared(shared));
                 }
                 status = engine.Delete(id);
                 if (status.code() == StatusCode::kNotFound) status = Status::Ok();
               } else {
                 status = engine.Delete(id);
               }
               if (!status.ok()) return respond(ErrorResponse(status));
               HttpResponse response;
               response.status = 204;
               respond(std::move(response));
             });
  router.Add("GET", "/v1/segments/{id}/members", "/v1/segments/{id}/members", Access::kRead,
             AdmissionClass::kQuery, [&engine](HttpRequest&& request, const Responder& respond) {
               HandleMembers(engine, request, respond);
             });
  router.Add("GET", "/v1/segments/{id}/history", "/v1/segments/{id}/history", Access::kRead,
             AdmissionClass::kQuery, [&engine](HttpRequest&& request, const Responder& respond) {
               HandleHistory(engine, request, respond);
             });
}

void RegisterCustomerSegmentRoutes(Router& router, const SegmentEngine& engine,
                                   const ProfileStore& profiles, const ReadForwarder& forwarder) {
  router.Add(
      "GET", "/v1/profiles/{id}/segments", "/v1/profiles/{id}/segments", Access::kRead,
      AdmissionClass::kQuery,
      ForwardingHandler(
          forwarder, "id", [&engine, &profiles](HttpRequest&& request, const Responder& respond) {
            const std::string id = request.PathParam("id");
            auto customer = profiles.Resolve(id);
            if (!customer.ok()) {
              return respond(ErrorResponse(
                  customer.status().code() == StatusCode::kNotFound
                      ? Status::NotFound("no customer known as '" + id.substr(0, 200) + "'")
                      : customer.status()));
            }
            auto ids = engine.SegmentsOf(*customer);
            if (!ids.ok()) return respond(ErrorResponse(ids.status()));
            json::array segments;
            for (const std::string& segment_id : *ids) {
              // A segment deleted since the membership was read is left out.
              auto view = engine.Get(segment_id);
              if (!view.ok()) continue;
              segments.push_back(
                  json::object{{"id", view->definition.id}, {"name", view->definition.name}});
            }
            respond(JsonResponse(200,
                                 json::serialize(json::object{{"customerId", *customer},
                                                              {"segments", std::move(segments)}})));
          }));
}

}  // namespace mercato

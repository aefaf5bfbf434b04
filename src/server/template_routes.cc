// Message templates: /v1/templates (docs/api.md, "Templates"; the language is docs/journeys.md).

#include <boost/json.hpp>

#include "content/template_store.h"
#include "core/logging.h"
#include "pipeline/message_data.h"
#include "server/api.h"
#include "server/http_status.h"
#include "server/json_body.h"

namespace mercato {
namespace {

namespace json = boost::json;

HttpResponse NoContent() {
  HttpResponse response;
  response.status = 204;
  return response;
}

// POST /v1/templates/{id}/preview with {"customer": "<id>"} (their data, audited as
// "template.preview") or {"data": {...}} (given data).
void Preview(const TemplateRouteDeps& deps, HttpRequest&& request, const Responder& respond) {
  auto body = ParseJsonBody(request.body, {"customer", "data"});
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  const json::value* customer = body->if_contains("customer");
  const json::value* data = body->if_contains("data");
  if ((customer == nullptr) == (data == nullptr)) {
    return respond(ErrorResponse(
        Status::InvalidArgument("give exactly one of 'customer' (an id) and 'data' (an object)")));
  }
  json::value context;
  std::string customer_id;
  if (customer != nullptr) {
    if (!customer->is_string() || customer->get_string().empty()) {
      return respond(ErrorResponse(Status::InvalidArgument("'customer' must be a customer id")));
    }
    auto built = MessageData(deps.profiles, deps.recommendations, customer->get_string());
    if (!built.ok()) return respond(ErrorResponse(built.status()));
    customer_id = built->at("customer").at("id").as_string();
    context = std::move(*built);
  } else {
    if (!data->is_object()) {
      return respond(ErrorResponse(Status::InvalidArgument("'data' must be an object")));
    }
    context = *data;
  }
  auto rendered = deps.templates.Render(request.PathParam("id"), context);
  if (!rendered.ok()) return respond(ErrorResponse(rendered.status()));
  if (!customer_id.empty() && deps.audit != nullptr) {
    const std::string actor =
        request.principal.key_id.empty() ? "anonymous" : "key:" + request.principal.key_id;
    if (Status status = deps.audit->Record(AuditEntry{actor, "template.preview", customer_id, ""});
        !status.ok()) {
      LOG(ERROR) << "audit record failed: " << status.ToString();
    }
  }
  json::array unresolved;
  for (const std::string& name : rendered->unresolved) unresolved.emplace_back(name);
  respond(JsonResponse(200, json::serialize(json::object{{"subject", rendered->subject},
                                                         {"text", rendered->text},
                                                         {"html", rendered->html},
                                                         {"unresolved", unresolved}})));
}

}  // namespace

void RegisterTemplateRoutes(Router& router, const TemplateRouteDeps& deps) {
  router.Add(
      "PUT", "/v1/templates/{id}", "/v1/templates/{id}", Access::kAdmin, AdmissionClass::kAdmin,
      [deps](HttpRequest&& request, const Responder& respond) {
        auto body = ParseJsonBody(request.body, {"name", "subject", "text", "html"});
        if (!body.ok()) return respond(ErrorResponse(body.status()));
        const std::string id = request.PathParam("id");
        auto tmpl = content::ParseMessageTemplate(id, *body);
        if (!tmpl.ok()) return respond(ErrorResponse(tmpl.status()));
        auto previous = deps.templates.Get(id);
        auto stored = deps.templates.Put(std::move(*tmpl));
        if (!stored.ok()) return respond(ErrorResponse(stored.status()));
        if (deps.share) {
          if (Status shared = deps.share(id, &*body); !shared.ok()) {
            (void)(previous.ok() ? deps.templates.Put(std::move(*previous)).status()
                                 : deps.templates.Delete(id));
            return respond(ErrorResponse(Status::Unavailable(
                "the change could not be shared with the other nodes and was not made: " +
                shared.message())));
          }
        }
        respond(JsonResponse(stored->second ? 201 : 200, json::serialize(stored->first.ToApi())));
      });
  router.Add("GET", "/v1/templates", "/v1/templates", Access::kRead, AdmissionClass::kQuery,
             [deps](HttpRequest&&, const Responder& respond) {
               auto list = deps.templates.List();
               if (!list.ok()) return respond(ErrorResponse(list.status()));
               json::array items;
               for (const content::MessageTemplate& tmpl : *list) items.push_back(tmpl.ToApi());
               respond(JsonResponse(200, json::serialize(json::object{{"templates", items}})));
             });
  router.Add("GET", "/v1/templates/{id}", "/v1/templates/{id}", Access::kRead,
             AdmissionClass::kQuery, [deps](HttpRequest&& request, const Responder& respond) {
               auto tmpl = deps.templates.Get(request.PathParam("id"));
               if (!tmpl.ok()) return respond(ErrorResponse(tmpl.status()));
               respond(JsonResponse(200, json::serialize(tmpl->ToApi())));
             });
  router.Add("DELETE", "/v1/templates/{id}", "/v1/templates/{id}", Access::kAdmin,
             AdmissionClass::kAdmin, [deps](HttpRequest&& request, const Responder& respond) {
               const std::string id = request.PathParam("id");
               Status deleted;
               if (deps.share) {
                 // Shared first; this node's reader may delete it before the line below does.
                 if (auto existing = deps.templates.Get(id); !existing.ok()) {
                   return respond(ErrorResponse(existing.status()));
                 }
                 if (Status shared = deps.share(id, nullptr); !shared.ok()) {
                   return respond(ErrorResponse(Status::Unavailable(
                       "the change could not be shared with the other nodes and was not made: " +
                       shared.message())));
                 }
                 deleted = deps.templates.Delete(id);
                 if (deleted.code() == StatusCode::kNotFound) deleted = Status::Ok();
               } else {
                 deleted = deps.templates.Delete(id);
               }
               if (!deleted.ok()) return respond(ErrorResponse(deleted));
               respond(NoContent());
             });
  router.Add("POST", "/v1/templates/{id}/preview", "/v1/templates/{id}/preview", Access::kAdmin,
             AdmissionClass::kAdmin, [deps](HttpRequest&& request, const Responder& respond) {
               Preview(deps, std::move(request), respond);
             });
}

}  // namespace mercato

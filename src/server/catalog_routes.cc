// Catalog: PUT /v1/catalog/items, GET /v1/catalog/items, GET and DELETE /v1/catalog/items/{id}
// (docs/api.md, "Catalog").

#include <boost/json.hpp>
#include <unordered_set>

#include "catalog/catalog_store.h"
#include "core/number_parse.h"
#include "server/api.h"
#include "server/http_status.h"
#include "server/json_body.h"

namespace mercato {
namespace {

namespace json = boost::json;
using catalog::CatalogItem;

constexpr size_t kMaxItemsPerPut = 10'000;

Result<std::vector<CatalogItem>> ParseItems(const std::string& text) {
  ASSIGN_OR_RETURN(json::object body, ParseJsonBody(text, {"items"}));
  const json::value* items = body.if_contains("items");
  if (items == nullptr || !items->is_array()) {
    return Status::InvalidArgument("'items' must be an array of items");
  }
  const json::array& array = items->get_array();
  if (array.empty() || array.size() > kMaxItemsPerPut) {
    return Status::InvalidArgument("'items' must hold 1 to 10000 items");
  }
  std::vector<CatalogItem> out;
  out.reserve(array.size());
  std::unordered_set<std::string> ids;
  for (size_t i = 0; i < array.size(); ++i) {
    auto where = [i](const std::string& what) {
      return Status::InvalidArgument("items[" + std::to_string(i) + "]: " + what);
    };
    if (!array[i].is_object()) return where("must be an object");
    auto item = catalog::ParseCatalogItem(array[i].get_object());
    if (!item.ok()) return where(item.status().message());
    if (!ids.insert(item->id).second) return where("id '" + item->id + "' appears twice");
    item->source = "api";
    out.push_back(std::move(*item));
  }
  return out;
}

}  // namespace

void RegisterCatalogRoutes(Router& router, catalog::CatalogStore& catalog) {
  router.Add(
      "PUT", "/v1/catalog/items", "/v1/catalog/items", Access::kAdmin, AdmissionClass::kAdmin,
      [&catalog](HttpRequest&& request, const Responder& respond) {
        auto items = ParseItems(request.body);
        if (!items.ok()) return respond(ErrorResponse(items.status()));
        if (Status stored = catalog.Upsert(*items); !stored.ok()) {
          return respond(ErrorResponse(stored));
        }
        respond(JsonResponse(200, json::serialize(json::object{{"upserted", items->size()}})));
      });
  router.Add("GET", "/v1/catalog/items", "/v1/catalog/items", Access::kRead, AdmissionClass::kQuery,
             [&catalog](HttpRequest&& request, const Responder& respond) {
               size_t limit = 100;
               if (std::string text = request.QueryParam("limit"); !text.empty()) {
                 auto parsed = ParseInt64(text);
                 if (!parsed || *parsed < 1 || *parsed > 1000) {
                   return respond(ErrorResponse(
                       Status::InvalidArgument("'limit' must be an integer from 1 to 1000")));
                 }
                 limit = static_cast<size_t>(*parsed);
               }
               auto page = catalog.List(request.QueryParam("cursor"), limit);
               if (!page.ok()) return respond(ErrorResponse(page.status()));
               json::array items;
               for (const CatalogItem& item : page->items) items.push_back(item.ToApi());
               json::object out{{"items", std::move(items)}};
               out["nextCursor"] = page->next_cursor.empty() ? json::value(nullptr)
                                                             : json::value(page->next_cursor);
               respond(JsonResponse(200, json::serialize(out)));
             });
  router.Add("GET", "/v1/catalog/items/{id}", "/v1/catalog/items/{id}", Access::kRead,
             AdmissionClass::kQuery, [&catalog](HttpRequest&& request, const Responder& respond) {
               auto item = catalog.Get(request.PathParam("id"));
               if (!item.ok()) return respond(ErrorResponse(item.status()));
               respond(JsonResponse(200, json::serialize(item->ToApi())));
             });
  router.Add("DELETE", "/v1/catalog/items/{id}", "/v1/catalog/items/{id}", Access::kAdmin,
             AdmissionClass::kAdmin, [&catalog](HttpRequest&& request, const Responder& respond) {
               Status deleted = catalog.Delete(request.PathParam("id"));
               if (!deleted.ok()) return respond(ErrorResponse(deleted));
               HttpResponse response;
               response.status = 204;
               respond(std::move(response));
             });
}

}  // namespace mercato

// Recommendations: GET /v1/recommendations/{customer}, POST /v1/recommendations/session,
// GET and POST /v1/models/recommendations (docs/api.md, "Recommendations").

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "core/ascii.h"
#include "core/number_parse.h"
#include "recserve/recommender.h"
#include "server/api.h"
#include "server/http_status.h"
#include "server/json_body.h"

namespace mercato {
namespace {

namespace json = boost::json;
using recserve::RecommendRequest;
using recserve::RecommendService;

constexpr size_t kMaxN = 100;
constexpr size_t kMaxSessionItems = 200;
constexpr size_t kMaxExcludedItems = 1000;
constexpr size_t kMaxItemIdBytes = 200;
constexpr size_t kMaxContextBytes = 64;

std::vector<std::string_view> SplitList(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    out.push_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

Status CheckItemId(std::string_view id, std::string_view field) {
  if (id.empty() || id.size() > kMaxItemIdBytes) {
    return Status::InvalidArgument("'" + std::string(field) + "' holds an item id that is empty " +
                                   "or longer than 200 bytes");
  }
  return Status::Ok();
}

// The exclusion switches: "purchased", "unavailable", "session", or "none".
Status ApplyExclude(const std::vector<std::string_view>& names, RecommendRequest& request) {
  request.exclude_purchased = false;
  request.exclude_unavailable = false;
  request.exclude_session = false;
  for (std::string_view name : names) {
    if (name == "purchased") {
      request.exclude_purchased = true;
    } else if (name == "unavailable") {
      request.exclude_unavailable = true;
    } else if (name == "session") {
      request.exclude_session = true;
    } else if (name != "none") {
      return Status::InvalidArgument("'exclude' takes purchased, unavailable, session or none, " +
                                     std::string("not '") + std::string(name.substr(0, 50)) + "'");
    }
  }
  return Status::Ok();
}

Status CheckContext(std::string_view value, std::string_view field) {
  if (value.size() > kMaxContextBytes) {
    return Status::InvalidArgument("'" + std::string(field) + "' is longer than 64 bytes");
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return Status::InvalidArgument("'" + std::string(field) + "' holds a control character");
    }
  }
  return Status::Ok();
}

Status CheckLocation(const RecommendRequest& request) {
  if (request.latitude.has_value() != request.longitude.has_value()) {
    return Status::InvalidArgument("'lat' and 'lon' go together");
  }
  if (request.latitude &&
      (!std::isfinite(*request.latitude) || std::fabs(*request.latitude) > 90 ||
       !std::isfinite(*request.longitude) || std::fabs(*request.longitude) > 180)) {
    return Status::InvalidArgument("'lat' must be within [-90, 90] and 'lon' within [-180, 180]");
  }
  return Status::Ok();
}

Result<double> ParseCoordinate(std::string_view text, std::string_view name) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("'" + std::string(name) + "' must be a number");
  }
  return value;
}

// GET parameters: n, strategy, exclude, exclude_items, device, country, lat, lon, weather.
Result<RecommendRequest> ParseQuery(const HttpRequest& http) {
  RecommendRequest request;
  if (std::string n = http.QueryParam("n"); !n.empty()) {
    auto value = ParseInt64(n);
    if (!value || *value < 1 || *value > static_cast<int64_t>(kMaxN)) {
      return Status::InvalidArgument("'n' must be an integer from 1 to 100");
    }
    request.n = static_cast<size_t>(*value);
  }
  request.strategy = http.QueryParam("strategy");
  RETURN_IF_ERROR(CheckContext(request.strategy, "strategy"));
  if (std::string exclude = http.QueryParam("exclude"); !exclude.empty()) {
    RETURN_IF_ERROR(ApplyExclude(SplitList(exclude), request));
  }
  if (std::string items = http.QueryParam("exclude_items"); !items.empty()) {
    for (std::string_view id : SplitList(items)) {
      RETURN_IF_ERROR(CheckItemId(id, "exclude_items"));
      request.exclude_items.emplace_back(id);
    }
    if (request.exclude_items.size() > kMaxExcludedItems) {
      return Status::InvalidArgument("'exclude_items' holds more than 1000 ids");
    }
  }
  request.device = AsciiLower(http.QueryParam("device"));
  RETURN_IF_ERROR(CheckContext(request.device, "device"));
  request.country = AsciiUpper(http.QueryParam("country"));
  RETURN_IF_ERROR(CheckContext(request.country, "country"));
  if (std::string lat = http.QueryParam("lat"); !lat.empty()) {
    ASSIGN_OR_RETURN(request.latitude, ParseCoordinate(lat, "lat"));
  }
  if (std::string lon = http.QueryParam("lon"); !lon.empty()) {
    ASSIGN_OR_RETURN(request.longitude, ParseCoordinate(lon, "lon"));
  }
  RETURN_IF_ERROR(CheckLocation(request));
  if (std::string weather = http.QueryParam("weather"); !weather.empty()) {
    if (weather != "on" && weather != "off") {
      return Status::InvalidArgument("'weather' must be on or off");
    }
    request.use_weather = weather == "on";
  }
  return request;
}

Result<std::vector<std::string>> StringList(const json::value& value, std::string_view field,
                                            size_t max) {
  if (!value.is_array()) {
    return Status::InvalidArgument("'" + std::string(field) + "' must be an array of strings");
  }
  if (value.get_array().size() > max) {
    return Status::InvalidArgument("'" + std::string(field) + "' holds more than " +
                                   std::to_string(max) + " entries");
  }
  std::vector<std::string> out;
  for (const json::value& entry : value.get_array()) {
    if (!entry.is_string()) {
      return Status::InvalidArgument("'" + std::string(field) + "' must be an array of strings");
    }
    out.emplace_back(entry.get_string());
  }
  return out;
}

Result<std::optional<double>> OptionalNumber(const json::object& object, std::string_view field) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr || value->is_null()) return std::optional<double>();
  if (!value->is_number()) {
    return Status::InvalidArgument("'context." + std::string(field) + "' must be a number");
  }
  return std::optional<double>(value->to_number<double>());
}

Status ParseBodyContext(const json::value& value, RecommendRequest& request) {
  if (!value.is_object()) return Status::InvalidArgument("'context' must be an object");
  const json::object& context = value.get_object();
  for (const auto& member : context) {
    const std::string_view key = member.key();
    if (key != "device" && key != "country" && key != "latitude" && key != "longitude" &&
        key != "weather") {
      return Status::InvalidArgument("unknown field 'context." + std::string(key.substr(0, 50)) +
                                     "'");
    }
  }
  for (std::string_view field : {"device", "country"}) {
    const json::value* text = context.if_contains(field);
    if (text == nullptr || text->is_null()) continue;
    if (!text->is_string()) {
      return Status::InvalidArgument("'context." + std::string(field) + "' must be a string");
    }
    RETURN_IF_ERROR(CheckContext(text->get_string(), "context." + std::string(field)));
    if (field == "device") {
      request.device = AsciiLower(text->get_string());
    } else {
      request.country = AsciiUpper(text->get_string());
    }
  }
  ASSIGN_OR_RETURN(request.latitude, OptionalNumber(context, "latitude"));
  ASSIGN_OR_RETURN(request.longitude, OptionalNumber(context, "longitude"));
  RETURN_IF_ERROR(CheckLocation(request));
  if (const json::value* weather = context.if_contains("weather")) {
    if (!weather->is_bool()) return Status::InvalidArgument("'context.weather' must be a boolean");
    request.use_weather = weather->get_bool();
  }
  return Status::Ok();
}

// POST body: {"items": [...], "n", "strategy", "exclude": [...], "excludeItems": [...],
// "context": {...}}.
Result<std::pair<std::vector<std::string>, RecommendRequest>> ParseSessionBody(
    const std::string& text) {
  ASSIGN_OR_RETURN(json::object body, ParseJsonBody(text, {"items", "n", "strategy", "exclude",
                                                           "excludeItems", "context"}));
  const json::value* items_value = body.if_contains("items");
  if (items_value == nullptr) return Status::InvalidArgument("'items' is required");
  ASSIGN_OR_RETURN(std::vector<std::string> items,
                   StringList(*items_value, "items", kMaxSessionItems));
  for (const std::string& id : items) RETURN_IF_ERROR(CheckItemId(id, "items"));
  RecommendRequest request;
  request.exclude_purchased = false;  // a session request has no customer
  if (const json::value* n = body.if_contains("n")) {
    if (!n->is_int64() || n->get_int64() < 1 || n->get_int64() > static_cast<int64_t>(kMaxN)) {
      return Status::InvalidArgument("'n' must be an integer from 1 to 100");
    }
    request.n = static_cast<size_t>(n->get_int64());
  }
  if (const json::value* strategy = body.if_contains("strategy")) {
    if (!strategy->is_string()) return Status::InvalidArgument("'strategy' must be a string");
    request.strategy = std::string(strategy->get_string());
    RETURN_IF_ERROR(CheckContext(request.strategy, "strategy"));
  }
  if (const json::value* exclude = body.if_contains("exclude")) {
    ASSIGN_OR_RETURN(std::vector<std::string> names, StringList(*exclude, "exclude", 8));
    std::vector<std::string_view> views(names.begin(), names.end());
    RETURN_IF_ERROR(ApplyExclude(views, request));
  }
  if (const json::value* excluded = body.if_contains("excludeItems")) {
    ASSIGN_OR_RETURN(request.exclude_items,
                     StringList(*excluded, "excludeItems", kMaxExcludedItems));
    for (const std::string& id : request.exclude_items) {
      RETURN_IF_ERROR(CheckItemId(id, "excludeItems"));
    }
  }
  if (const json::value* context = body.if_contains("context")) {
    RETURN_IF_ERROR(ParseBodyContext(*context, request));
  }
  return std::make_pair(std::move(items), std::move(request));
}

// POST /v1/models/recommendations body: {"neural", "gruEpochs", "gruMinutes",
// "validationFraction"}.
Result<recserve::TrainOptions> ParseTrainBody(const std::string& text) {
  ASSIGN_OR_RETURN(json::object body, ParseJsonBody(text, {"neural", "gruEpochs", "gruMinutes",
                                                           "validationFraction"}));
  recserve::TrainOptions options;
  if (const json::value* neural = body.if_contains("neural")) {
    if (!neural->is_bool()) return Status::InvalidArgument("'neural' must be a boolean");
    options.neural = neural->get_bool();
  }
  if (const json::value* epochs = body.if_contains("gruEpochs")) {
    if (!epochs->is_int64() || epochs->get_int64() < 1 || epochs->get_int64() > 100) {
      return Status::InvalidArgument("'gruEpochs' must be an integer from 1 to 100");
    }
    options.gru.epochs = static_cast<size_t>(epochs->get_int64());
  }
  if (const json::value* minutes = body.if_contains("gruMinutes")) {
    if (!minutes->is_number() || !(minutes->to_number<double>() > 0) ||
        minutes->to_number<double>() > 24 * 60) {
      return Status::InvalidArgument("'gruMinutes' must be a number in (0, 1440]");
    }
    options.gru.max_train_seconds = minutes->to_number<double>() * 60;
  }
  if (const json::value* fraction = body.if_contains("validationFraction")) {
    if (!fraction->is_number()) {
      return Status::InvalidArgument("'validationFraction' must be a number");
    }
    options.validation_fraction = fraction->to_number<double>();
  }
  RETURN_IF_ERROR(recserve::ValidateTrainOptions(options));
  return options;
}

HttpResponse AnswerResponse(const Result<recserve::RecommendAnswer>& answer) {
  if (!answer.ok()) return ErrorResponse(answer.status());
  return JsonResponse(200, json::serialize(answer->ToJson()));
}

}  // namespace

void RegisterRecommendationRoutes(Router& router, recserve::RecommendService& service,
                                  const ReadForwarder& forwarder) {
  router.Add("POST", "/v1/recommendations/session", "/v1/recommendations/session", Access::kRead,
             AdmissionClass::kQuery, [&service](HttpRequest&& request, const Responder& respond) {
               auto parsed = ParseSessionBody(request.body);
               if (!parsed.ok()) return respond(ErrorResponse(parsed.status()));
               respond(AnswerResponse(service.ForSession(parsed->first, parsed->second)));
             });
  router.Add(
      "GET", "/v1/recommendations/{customer}", "/v1/recommendations/{customer}", Access::kRead,
      AdmissionClass::kQuery,
      ForwardingHandler(
          forwarder, "customer", [&service](HttpRequest&& request, const Responder& respond) {
            auto parsed = ParseQuery(request);
            if (!parsed.ok()) return respond(ErrorResponse(parsed.status()));
            respond(AnswerResponse(service.ForCustomer(request.PathParam("customer"), *parsed)));
          }));
  router.Add("GET", "/v1/models/recommendations", "/v1/models/recommendations", Access::kRead,
             AdmissionClass::kQuery, [&service](HttpRequest&&, const Responder& respond) {
               json::object out = service.Describe();
               auto versions = service.Versions();
               if (!versions.ok()) return respond(ErrorResponse(versions.status()));
               json::array list;
               for (json::object& record : *versions) list.push_back(std::move(record));
               out["versions"] = std::move(list);
               respond(JsonResponse(200, json::serialize(out)));
             });
  router.Add("POST", "/v1/models/recommendations", "/v1/models/recommendations", Access::kAdmin,
             AdmissionClass::kAdmin, [&service](HttpRequest&& request, const Responder& respond) {
               auto options = ParseTrainBody(request.body);
               if (!options.ok()) return respond(ErrorResponse(options.status()));
               Status started = service.StartTraining(std::move(*options));
               if (!started.ok()) return respond(ErrorResponse(started));
               respond(JsonResponse(202, json::serialize(service.Describe())));
             });
}

}  // namespace mercato

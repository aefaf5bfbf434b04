#include "pipeline/message_data.h"

#include <boost/json/parse.hpp>

namespace mercato {

namespace json = boost::json;

Result<json::object> MessageData(const ProfileStore& profiles,
                                 const recserve::RecommendService* recommendations,
                                 std::string_view customer, size_t count) {
  ASSIGN_OR_RETURN(std::string id, profiles.Resolve(customer));
  ASSIGN_OR_RETURN(std::string profile_text, profiles.ProfileJson(id));
  boost::system::error_code ec;
  json::value profile = json::parse(profile_text, ec);
  if (ec || !profile.is_object()) {
    return Status::Corruption("the profile of '" + id + "' is not a JSON object");
  }
  json::object& fields = profile.get_object();
  json::object out;
  json::value traits = fields.contains("traits") ? fields["traits"] : json::object();
  if (traits.is_object()) {
    for (const auto& [key, value] : traits.get_object()) out[key] = value;
  }
  // The address the customer gave last (the trait); else their first e-mail identity.
  json::value email = nullptr;
  if (const json::value* trait =
          traits.is_object() ? traits.get_object().if_contains("email") : nullptr;
      trait != nullptr && trait->is_string() && !trait->get_string().empty()) {
    email = *trait;
  } else if (const json::value* identities = fields.if_contains("identities");
             identities != nullptr && identities->is_array()) {
    for (const json::value& identity : identities->get_array()) {
      const json::object* item = identity.if_object();
      const json::value* type = item != nullptr ? item->if_contains("type") : nullptr;
      const json::value* value = item != nullptr ? item->if_contains("value") : nullptr;
      if (type != nullptr && type->is_string() && type->get_string() == "email" &&
          value != nullptr) {
        email = *value;
        break;
      }
    }
  }
  out["customer"] = json::object{{"id", id}, {"email", email}};
  out["traits"] = std::move(traits);
  out["features"] = fields.contains("features") ? fields["features"] : json::object();
  out["predictions"] = fields.contains("predictions") ? fields["predictions"] : nullptr;
  json::array items;
  if (recommendations != nullptr) {
    recserve::RecommendRequest request;
    request.n = count;
    auto answer = recommendations->ForCustomer(id, request);
    if (answer.ok()) {
      json::object answer_json = answer->ToJson();
      if (json::value* list = answer_json.if_contains("items"); list && list->is_array()) {
        items = std::move(list->get_array());
      }
    } else if (answer.status().code() != StatusCode::kFailedPrecondition) {
      return answer.status();  // FailedPrecondition: no model trained yet, an empty list
    }
  }
  out["recommendations"] = std::move(items);
  return out;
}

}  // namespace mercato

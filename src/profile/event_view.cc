#include "profile/event_view.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "core/time_format.h"
#include "privacy/field_cipher.h"
#include "profile/keys.h"

namespace mercato::profile {
namespace json = boost::json;

std::string_view StringField(const json::object* object, std::string_view key) {
  if (object == nullptr) return {};
  const json::value* field = object->if_contains(key);
  if (field == nullptr || !field->is_string()) return {};
  const json::string& text = field->get_string();
  return std::string_view(text.data(), text.size());
}

const json::object* ObjectField(const json::object* object, std::string_view key) {
  if (object == nullptr) return nullptr;
  const json::value* field = object->if_contains(key);
  return field != nullptr && field->is_object() ? &field->get_object() : nullptr;
}

bool NumberField(const json::object* object, std::string_view key, double& out) {
  if (object == nullptr) return false;
  const json::value* field = object->if_contains(key);
  if (field == nullptr) return false;
  if (field->is_double()) {
    out = field->get_double();
  } else if (field->is_int64()) {
    out = static_cast<double>(field->get_int64());
  } else if (field->is_uint64()) {
    out = static_cast<double>(field->get_uint64());
  } else if (field->is_string()) {
    // Shops often send money as text ("12.50"); a string that is not wholly a number is ignored.
    const json::string& text = field->get_string();
    const char* begin = text.data();
    const char* end = begin + text.size();
    while (begin < end && *begin == ' ') ++begin;
    if (begin < end && *begin == '+') ++begin;
    double value = 0;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end || begin == end) return false;
    out = value;
  } else {
    return false;
  }
  return std::isfinite(out);
}

namespace {

Status ReadForwarded(const json::value& value, EventView& view) {
  const json::object* object = value.if_object();
  const json::value* origin_value = object != nullptr ? object->if_contains("origin") : nullptr;
  const json::array* origin = origin_value != nullptr ? origin_value->if_array() : nullptr;
  const std::string_view to = StringField(object, "to");
  const std::string_view kind = StringField(object, "kind");
  if (object == nullptr || !to.starts_with("u:") || to.size() < 3 || origin == nullptr ||
      origin->size() != 2 || !(*origin)[0].is_int64() || !(*origin)[1].is_int64() ||
      (*origin)[0].get_int64() < 0 || (*origin)[0].get_int64() > UINT32_MAX ||
      (*origin)[1].get_int64() < 0 || (kind != "live" && kind != "history")) {
    return Status::InvalidArgument("event payload has a malformed 'mercatoForwarded'");
  }
  view.forwarded = EventView::Forwarded{to, static_cast<uint32_t>((*origin)[0].get_int64()),
                                        static_cast<uint64_t>((*origin)[1].get_int64()),
                                        kind == "history", StringField(object, "loser")};
  return Status::Ok();
}

Status ReadLink(EventView& view) {
  EventView::IdentityLink link;
  link.key = StringField(view.properties, "key");
  link.peer = StringField(view.properties, "peer");
  link.peer_customer = StringField(view.properties, "peerCustomer");
  const json::value* alias =
      view.properties != nullptr ? view.properties->if_contains("alias") : nullptr;
  link.alias = alias != nullptr && alias->is_bool() && alias->get_bool();
  link.erase = view.event_name == kIdentityEraseEvent;
  if (link.key.size() < 3 || link.key[1] != ':' || !link.peer.starts_with("u:") ||
      link.peer.size() < 3 || (!link.erase && !IsCustomerId(link.peer_customer))) {
    return Status::InvalidArgument("an 'Identity Link' record is malformed");
  }
  view.link = link;
  return Status::Ok();
}

}  // namespace

std::string PrimaryIdentityKey(const EventView& event) {
  if (event.forwarded) return std::string(event.forwarded->to);
  return event.user_id.empty() ? IdentityKey(IdentityKind::kAnonymousId, event.anonymous_id)
                               : IdentityKey(IdentityKind::kUserId, event.user_id);
}

Result<EventView> ReadEventView(const json::value& root, const KeyVault* vault) {
  if (!root.is_object()) return Status::InvalidArgument("event payload is not a JSON object");
  const json::object& object = root.get_object();
  EventView view;
  auto type = EventTypeFromName(StringField(&object, "type"));
  if (!type) return Status::InvalidArgument("event payload has no valid 'type'");
  view.type = *type;
  view.user_id = StringField(&object, "userId");
  view.anonymous_id = StringField(&object, "anonymousId");
  if (view.user_id.empty() && view.anonymous_id.empty()) {
    return Status::InvalidArgument("event payload has neither userId nor anonymousId");
  }
  auto timestamp = ParseTimestamp(StringField(&object, "timestamp"));
  if (!timestamp.ok()) return timestamp.status();
  view.timestamp_us = *timestamp;
  if (view.type == EventType::kAlias) view.previous_id = StringField(&object, "previousId");
  if (view.type == EventType::kTrack) view.event_name = StringField(&object, "event");
  if (view.type == EventType::kIdentify) view.traits = ObjectField(&object, "traits");
  view.properties = ObjectField(&object, "properties");
  const json::object* context = ObjectField(&object, "context");
  view.context_traits = ObjectField(context, "traits");
  view.device_type = StringField(ObjectField(context, "device"), "type");
  view.country = StringField(ObjectField(context, "location"), "country");
  view.source = StringField(&object, "source");
  view.consent = ReadConsentPreferences(context);
  if (const json::value* forwarded = object.if_contains(kForwardedMember)) {
    RETURN_IF_ERROR(ReadForwarded(*forwarded, view));
  }
  if (view.source == kIdentitySystemSource &&
      (view.event_name == kIdentityLinkEvent || view.event_name == kIdentityEraseEvent)) {
    RETURN_IF_ERROR(ReadLink(view));
  }
  for (const json::object* traits : {view.traits, view.context_traits}) {
    const json::value* email = traits != nullptr ? traits->if_contains("email") : nullptr;
    if (email == nullptr) continue;
    if (email->is_string()) {
      view.email = NormalizeEmail(std::string_view(email->get_string()));
    } else if (vault != nullptr && IsEncrypted(*email)) {
      auto plain = DecryptValue(*email, *vault);
      if (plain.ok() && plain->is_string()) {
        view.email = NormalizeEmail(std::string_view(plain->get_string()));
      } else if (!plain.ok() && plain.status().code() != StatusCode::kNotFound) {
        return plain.status();
      }
    }
    if (!view.email.empty()) {
      view.email_value = email;
      break;
    }
  }
  return view;
}

}  // namespace mercato::profile

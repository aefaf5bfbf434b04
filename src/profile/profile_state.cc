#include "profile/profile_state.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/clock.h"
#include "core/time_format.h"
#include "event/event.h"
#include "privacy/field_cipher.h"
#include "profile/keys.h"

namespace mercato::profile {
namespace json = boost::json;
namespace {

constexpr std::string_view kOrderCompleted = "Order Completed";
constexpr std::string_view kOrderRefunded = "Order Refunded";
constexpr std::array<EventType, 6> kAllTypes = {EventType::kTrack, EventType::kIdentify,
                                                EventType::kPage,  EventType::kScreen,
                                                EventType::kGroup, EventType::kAlias};
// Larger amounts are treated as this (1e12 currency units): keeps micro-unit sums inside int64.
constexpr double kMaxAmount = 1e12;

int64_t ToMicros(double amount) {
  amount = std::clamp(amount, -kMaxAmount, kMaxAmount);
  return std::llround(amount * 1e6);
}

void Increment(CountMap& counts, std::string_view key, uint64_t by = 1) {
  auto it = counts.find(key);
  if (it != counts.end()) {
    it->second += by;
  } else {
    counts.emplace(std::string(key), by);
  }
}

// Entries by count descending, then name ascending (deterministic), at most `limit`.
std::vector<std::pair<std::string_view, uint64_t>> TopN(const CountMap& counts, size_t limit) {
  std::vector<std::pair<std::string_view, uint64_t>> entries(counts.begin(), counts.end());
  auto by_count = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  if (entries.size() > limit) {
    std::partial_sort(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(limit),
                      entries.end(), by_count);
    entries.resize(limit);
  } else {
    std::sort(entries.begin(), entries.end(), by_count);
  }
  return entries;
}

// TopN(counts, 1) without the copy: the highest count, the first name (in map order) on a tie.
const CountMap::value_type* Top(const CountMap& counts) {
  const CountMap::value_type* top = nullptr;
  for (const auto& entry : counts) {
    if (top == nullptr || entry.second > top->second) top = &entry;
  }
  return top;
}

void SumInto(CountMap& target, const CountMap& source) {
  for (const auto& [key, count] : source) Increment(target, key, count);
}

// Keeps the `limit` most frequent entries (used where a cap must hold in memory, not only on disk).
void Truncate(CountMap& counts, size_t limit) {
  if (counts.size() <= limit) return;
  CountMap kept;
  for (const auto& [key, count] : TopN(counts, limit)) kept.emplace(std::string(key), count);
  counts.swap(kept);
}

json::object CountsToJson(const CountMap& counts, size_t limit) {
  json::object object;
  for (const auto& [key, count] : TopN(counts, limit)) object[key] = count;
  return object;
}

json::value TimeOrNull(bool present, int64_t micros) {
  if (!present) return nullptr;
  return json::string(FormatTimestamp(micros));
}

// Stored-format readers: Corruption on a type mismatch; absent fields keep their defaults.
Status ReadUint(const json::object& object, std::string_view key, uint64_t& out) {
  const json::value* field = object.if_contains(key);
  if (field == nullptr) return Status::Ok();
  if (field->is_uint64()) {
    out = field->get_uint64();
  } else if (field->is_int64() && field->get_int64() >= 0) {
    out = static_cast<uint64_t>(field->get_int64());
  } else {
    return Status::Corruption("profile field '" + std::string(key) + "' is not a count");
  }
  return Status::Ok();
}

Status ReadInt(const json::object& object, std::string_view key, int64_t& out) {
  const json::value* field = object.if_contains(key);
  if (field == nullptr) return Status::Ok();
  if (field->is_int64()) {
    out = field->get_int64();
  } else if (field->is_uint64() &&
             field->get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    out = static_cast<int64_t>(field->get_uint64());
  } else {
    return Status::Corruption("profile field '" + std::string(key) + "' is not an integer");
  }
  return Status::Ok();
}

Status ReadCounts(const json::object& object, std::string_view key, CountMap& out) {
  const json::value* field = object.if_contains(key);
  if (field == nullptr) return Status::Ok();
  if (!field->is_object()) {
    return Status::Corruption("profile field '" + std::string(key) + "' is not an object");
  }
  for (const auto& entry : field->get_object()) {
    uint64_t count = 0;
    RETURN_IF_ERROR(ReadUint(field->get_object(), entry.key(), count));
    out.emplace(std::string(entry.key()), count);
  }
  return Status::Ok();
}

Status ReadStrings(const json::object& object, std::string_view key,
                   std::vector<std::string>& out) {
  const json::value* field = object.if_contains(key);
  if (field == nullptr) return Status::Ok();
  if (!field->is_array()) {
    return Status::Corruption("profile field '" + std::string(key) + "' is not an array");
  }
  for (const json::value& item : field->get_array()) {
    if (!item.is_string()) {
      return Status::Corruption("profile field '" + std::string(key) + "' has a non-string");
    }
    out.emplace_back(item.get_string());
  }
  return Status::Ok();
}

void ApplyTraits(std::map<std::string, Trait, std::less<>>& traits, const json::object* source,
                 int64_t timestamp_us) {
  if (source == nullptr) return;
  for (const auto& entry : *source) {
    auto it = traits.find(std::string_view(entry.key()));
    if (it == traits.end()) {
      if (traits.size() >= kMaxTraits) continue;
      traits.emplace(std::string(entry.key()),
                     Trait{json::value(entry.value(), json::storage_ptr()), timestamp_us});
    } else if (timestamp_us >= it->second.updated_us) {
      // Latest event time wins; on a tie the later-processed event wins.
      it->second.value = json::value(entry.value(), json::storage_ptr());
      it->second.updated_us = timestamp_us;
    }
  }
}

// JSON text for API documents. Unlike json::serialize (which writes 145.5 as "1.455E2"), numbers
// come out in their shortest round-trip decimal form, as clients expect.
void AppendApiJson(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(value.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(value.get_uint64());
      break;
    case json::kind::double_: {
      const double number = value.get_double();
      if (!std::isfinite(number)) {
        out += "null";  // not representable in JSON
        break;
      }
      char buffer[32];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), number);
      out.append(buffer, ec == std::errc() ? end : buffer);
      break;
    }
    case json::kind::string:
      out += json::serialize(value.get_string());
      break;
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const json::value& item : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendApiJson(item, out);
      }
      out.push_back(']');
      break;
    }
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& entry : value.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out += json::serialize(entry.key());
        out.push_back(':');
        AppendApiJson(entry.value(), out);
      }
      out.push_back('}');
      break;
    }
  }
}

}  // namespace

std::optional<double> OrderRevenue(const json::object* properties) {
  double amount = 0;
  if (NumberField(properties, "revenue", amount)) return amount;
  if (NumberField(properties, "total", amount)) return amount;
  const json::value* products =
      properties != nullptr ? properties->if_contains("products") : nullptr;
  if (products == nullptr || !products->is_array()) return std::nullopt;
  bool any = false;
  double sum = 0;
  for (const json::value& product : products->get_array()) {
    if (!product.is_object()) continue;
    double price = 0;
    if (!NumberField(&product.get_object(), "price", price)) continue;
    double quantity = 1;
    if (!NumberField(&product.get_object(), "quantity", quantity)) quantity = 1;
    sum += price * quantity;
    any = true;
  }
  if (!any) return std::nullopt;
  return sum;
}

uint64_t ProfileState::TotalEvents() const {
  uint64_t total = 0;
  for (uint64_t count : event_counts) total += count;
  return total;
}

bool ProfileState::HasUserId() const {
  return std::any_of(identities.begin(), identities.end(), [](const std::string& key) {
    return key.size() > 1 && key[0] == 'u' && key[1] == ':';
  });
}

bool ProfileState::HasIdentity(std::string_view key) const {
  return std::find(identities.begin(), identities.end(), key) != identities.end();
}

std::string_view ProfileState::HomeRoutingValue() const {
  for (char kind : {'u', 'a'}) {
    for (const std::string& key : identities) {
      if (key.size() > 2 && key[0] == kind && key[1] == ':') return std::string_view(key).substr(2);
    }
  }
  return {};
}

void ProfileState::AddIdentity(std::string key) {
  if (!HasIdentity(key)) identities.push_back(std::move(key));
}

std::optional<std::string> ProfileState::PreferredDevice() const {
  const auto* top = Top(devices);
  if (top == nullptr) return std::nullopt;
  return top->first;
}

std::optional<std::string> ProfileState::PreferredCountry() const {
  if (const auto* top = Top(countries)) return top->first;
  if (auto it = traits.find(std::string_view("address"));
      it != traits.end() && it->second.value.is_object()) {
    std::string_view from_address = StringField(&it->second.value.get_object(), "country");
    if (!from_address.empty()) return std::string(from_address);
  }
  return std::nullopt;
}

void ProfileState::Apply(const EventView& event) {
  const int64_t ts = event.timestamp_us;
  if (TotalEvents() == 0) {
    first_seen_us = last_seen_us = ts;
  } else {
    first_seen_us = std::min(first_seen_us, ts);
    last_seen_us = std::max(last_seen_us, ts);
  }
  ++event_counts[static_cast<size_t>(event.type)];
  if (!IsSystemSource(event.source)) {
    const int64_t hour = ((ts / (3600 * kMicrosPerSecond)) % 24 + 24) % 24;
    ++active_hours[static_cast<size_t>(hour)];
  }

  if (event.type == EventType::kTrack && !event.event_name.empty()) {
    auto it = track_events.find(event.event_name);
    if (it != track_events.end()) {
      ++it->second;
    } else if (track_events.size() < kMaxTrackEventNames) {
      track_events.emplace(std::string(event.event_name), 1);
    }
    ApplyCartEvent(cart, event.event_name, event.properties, ts);
    if (event.event_name == kOrderCompleted) {
      ++orders;
      if (auto amount = OrderRevenue(event.properties)) revenue_micros += ToMicros(*amount);
      last_order_at_us = last_order_at_us ? std::max(*last_order_at_us, ts) : ts;
    } else if (event.event_name == kOrderRefunded) {
      ++refunds;
      // Refund amounts reduce revenue whatever their sign (sources write them either way).
      if (auto amount = OrderRevenue(event.properties)) {
        revenue_micros -= ToMicros(std::fabs(*amount));
      }
    }
  }

  if (auto category = StringField(event.properties, "category"); !category.empty()) {
    Increment(categories, category);
  }
  if (event.properties != nullptr) {
    if (const json::value* products = event.properties->if_contains("products");
        products != nullptr && products->is_array()) {
      for (const json::value& product : products->get_array()) {
        if (!product.is_object()) continue;
        auto category = StringField(&product.get_object(), "category");
        if (!category.empty()) Increment(categories, category);
      }
    }
  }
  if (!event.device_type.empty()) Increment(devices, event.device_type);
  if (!event.country.empty()) Increment(countries, event.country);
  // Keep the in-memory maps bounded too when one batch brings many distinct values.
  if (categories.size() > 4 * kMaxStoredCategories) Truncate(categories, kMaxStoredCategories);
  if (devices.size() > 4 * kMaxStoredDevicesOrCountries) {
    Truncate(devices, kMaxStoredDevicesOrCountries);
  }
  if (countries.size() > 4 * kMaxStoredDevicesOrCountries) {
    Truncate(countries, kMaxStoredDevicesOrCountries);
  }

  // context.traits first so that identify's own traits win within one event.
  ApplyTraits(traits, event.context_traits, ts);
  ApplyTraits(traits, event.traits, ts);
  for (const auto& [purpose, granted] : event.consent) {
    consent.Apply(
        purpose,
        ConsentDecision{granted, ts, event.source.empty() ? "event" : std::string(event.source)});
  }
}

void ProfileState::Absorb(const ProfileState& loser) {
  for (const std::string& key : loser.identities) AddIdentity(key);
  merged_from.push_back(loser.id);
  merged_from.insert(merged_from.end(), loser.merged_from.begin(), loser.merged_from.end());
  for (const auto& [name, trait] : loser.traits) {
    auto it = traits.find(name);
    if (it == traits.end()) {
      if (traits.size() < kMaxTraits) traits.emplace(name, trait);
    } else if (trait.updated_us > it->second.updated_us) {
      it->second = trait;
    }
  }
  if (loser.TotalEvents() > 0) {
    if (TotalEvents() == 0) {
      first_seen_us = loser.first_seen_us;
      last_seen_us = loser.last_seen_us;
    } else {
      first_seen_us = std::min(first_seen_us, loser.first_seen_us);
      last_seen_us = std::max(last_seen_us, loser.last_seen_us);
    }
  }
  for (size_t k = 0; k < event_counts.size(); ++k) event_counts[k] += loser.event_counts[k];
  SumInto(track_events, loser.track_events);
  Truncate(track_events, kMaxTrackEventNames);
  orders += loser.orders;
  refunds += loser.refunds;
  revenue_micros += loser.revenue_micros;
  if (loser.last_order_at_us) {
    last_order_at_us = last_order_at_us ? std::max(*last_order_at_us, *loser.last_order_at_us)
                                        : *loser.last_order_at_us;
  }
  SumInto(categories, loser.categories);
  MergeCart(cart, loser.cart);
  for (size_t h = 0; h < active_hours.size(); ++h) active_hours[h] += loser.active_hours[h];
  SumInto(devices, loser.devices);
  SumInto(countries, loser.countries);
  for (Purpose purpose : kAllPurposes) {
    const auto& decision = loser.consent.decisions[static_cast<size_t>(purpose)];
    if (decision) consent.Apply(purpose, *decision);
  }
  for (const auto& [key, value] : loser.email_values) email_values.emplace(key, value);
}

Status ProfileState::DecryptPersonal(const KeyVault& vault) {
  for (auto& [name, trait] : traits) RETURN_IF_ERROR(DecryptTree(trait.value, vault));
  for (auto& [key, value] : email_values) RETURN_IF_ERROR(DecryptTree(value, vault));
  return Status::Ok();
}

std::string ProfileState::Serialize() const {
  json::object root;
  root["known"] = HasUserId();
  root["v"] = 1;
  json::array identity_array;
  for (const std::string& key : identities) identity_array.emplace_back(key);
  root["identities"] = std::move(identity_array);
  json::array merged_array;
  for (const std::string& id_merged : merged_from) merged_array.emplace_back(id_merged);
  root["mergedFrom"] = std::move(merged_array);
  json::object trait_object;
  for (const auto& [name, trait] : traits) {
    trait_object[name] = json::object{{"v", trait.value}, {"t", trait.updated_us}};
  }
  root["traits"] = std::move(trait_object);
  root["firstSeen"] = first_seen_us;
  root["lastSeen"] = last_seen_us;
  json::object counts;
  for (EventType type : kAllTypes)
    counts[EventTypeName(type)] = event_counts[static_cast<size_t>(type)];
  root["counts"] = std::move(counts);
  root["trackEvents"] = CountsToJson(track_events, kMaxTrackEventNames);
  root["orders"] = orders;
  root["refunds"] = refunds;
  root["revenueMicros"] = revenue_micros;
  root["lastOrderAt"] = last_order_at_us ? json::value(*last_order_at_us) : json::value(nullptr);
  root["categories"] = CountsToJson(categories, kMaxStoredCategories);
  root["devices"] = CountsToJson(devices, kMaxStoredDevicesOrCountries);
  root["countries"] = CountsToJson(countries, kMaxStoredDevicesOrCountries);
  json::object consent_object;
  for (Purpose purpose : kAllPurposes) {
    const auto& decision = consent.decisions[static_cast<size_t>(purpose)];
    if (!decision) continue;
    consent_object[PurposeName(purpose)] = json::object{
        {"granted", decision->granted}, {"at", decision->at_us}, {"source", decision->source}};
  }
  root["consent"] = std::move(consent_object);
  json::object email_object;
  for (const auto& [key, value] : email_values) email_object[key] = value;
  root["emails"] = std::move(email_object);
  if (!cart.empty()) root["cart"] = CartToStored(cart);
  root["hours"] = json::array(active_hours.begin(), active_hours.end());
  return json::serialize(root);
}

std::string ProfileState::SerializeRedirect(std::string_view target) {
  json::object root;
  root["mergedInto"] = target;
  return json::serialize(root);
}

std::string ProfileState::SerializeStub() const {
  json::object root;
  root["mergedInto"] = merged_into;
  root["via"] = merged_via;
  root["identities"] = json::array(identities.begin(), identities.end());
  root["mergedFrom"] = json::array(merged_from.begin(), merged_from.end());
  return json::serialize(root);
}

Status ReadStoredConsent(const json::value& consent, ConsentState& out) {
  if (!consent.is_object()) return Status::Corruption("profile consent is not an object");
  for (const auto& entry : consent.get_object()) {
    auto purpose = PurposeFromName(entry.key());
    const json::object* decision = entry.value().if_object();
    if (!purpose || decision == nullptr) {
      return Status::Corruption("profile consent '" + std::string(entry.key()) + "' is malformed");
    }
    ConsentDecision parsed;
    const json::value* granted = decision->if_contains("granted");
    const json::value* source = decision->if_contains("source");
    if (granted == nullptr || !granted->is_bool() || source == nullptr || !source->is_string()) {
      return Status::Corruption("profile consent '" + std::string(entry.key()) + "' is malformed");
    }
    parsed.granted = granted->get_bool();
    parsed.source = std::string(source->get_string());
    RETURN_IF_ERROR(ReadInt(*decision, "at", parsed.at_us));
    out.decisions[static_cast<size_t>(*purpose)] = std::move(parsed);
  }
  return Status::Ok();
}

Result<ProfileState> ProfileState::Parse(std::string_view id, std::string_view stored) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(stored.data(), stored.size()), ec);
  if (ec || !value.is_object()) {
    return Status::Corruption("profile " + std::string(id) + " is not a JSON object");
  }
  const json::object& root = value.get_object();
  ProfileState state;
  state.id = std::string(id);
  if (const json::value* target = root.if_contains("mergedInto")) {
    if (!target->is_string() || !IsCustomerId(std::string_view(target->get_string()))) {
      return Status::Corruption("profile " + std::string(id) + " has a bad redirect");
    }
    state.merged_into = std::string(target->get_string());
    if (const json::value* via = root.if_contains("via")) {
      if (!via->is_string() || via->get_string().empty()) {
        return Status::Corruption("profile " + std::string(id) + " has a bad stub");
      }
      state.merged_via = std::string(via->get_string());
      RETURN_IF_ERROR(ReadStrings(root, "identities", state.identities));
      RETURN_IF_ERROR(ReadStrings(root, "mergedFrom", state.merged_from));
    }
    return state;
  }
  RETURN_IF_ERROR(ReadStrings(root, "identities", state.identities));
  RETURN_IF_ERROR(ReadStrings(root, "mergedFrom", state.merged_from));
  if (const json::value* traits = root.if_contains("traits")) {
    if (!traits->is_object()) return Status::Corruption("profile traits are not an object");
    for (const auto& entry : traits->get_object()) {
      const json::object* trait = entry.value().if_object();
      if (trait == nullptr || !trait->contains("v")) {
        return Status::Corruption("profile trait '" + std::string(entry.key()) + "' is malformed");
      }
      Trait parsed{trait->at("v"), 0};
      RETURN_IF_ERROR(ReadInt(*trait, "t", parsed.updated_us));
      state.traits.emplace(std::string(entry.key()), std::move(parsed));
    }
  }
  RETURN_IF_ERROR(ReadInt(root, "firstSeen", state.first_seen_us));
  RETURN_IF_ERROR(ReadInt(root, "lastSeen", state.last_seen_us));
  if (const json::value* counts = root.if_contains("counts")) {
    if (!counts->is_object()) return Status::Corruption("profile counts are not an object");
    for (EventType type : kAllTypes) {
      RETURN_IF_ERROR(ReadUint(counts->get_object(), EventTypeName(type),
                               state.event_counts[static_cast<size_t>(type)]));
    }
  }
  RETURN_IF_ERROR(ReadCounts(root, "trackEvents", state.track_events));
  RETURN_IF_ERROR(ReadUint(root, "orders", state.orders));
  RETURN_IF_ERROR(ReadUint(root, "refunds", state.refunds));
  RETURN_IF_ERROR(ReadInt(root, "revenueMicros", state.revenue_micros));
  if (const json::value* last_order = root.if_contains("lastOrderAt");
      last_order != nullptr && !last_order->is_null()) {
    int64_t micros = 0;
    RETURN_IF_ERROR(ReadInt(root, "lastOrderAt", micros));
    state.last_order_at_us = micros;
  }
  RETURN_IF_ERROR(ReadCounts(root, "categories", state.categories));
  if (const json::value* cart = root.if_contains("cart")) {
    ASSIGN_OR_RETURN(state.cart, CartFromStored(*cart));
  }
  if (const json::value* hours = root.if_contains("hours")) {  // absent in older profiles
    const json::array* list = hours->if_array();
    if (list == nullptr || list->size() != 24) {
      return Status::Corruption("profile hours are not 24 counts");
    }
    for (size_t h = 0; h < 24; ++h) {
      const json::value& count = (*list)[h];
      if (count.is_uint64()) {
        state.active_hours[h] = count.get_uint64();
      } else if (count.is_int64() && count.get_int64() >= 0) {
        state.active_hours[h] = static_cast<uint64_t>(count.get_int64());
      } else {
        return Status::Corruption("profile hours are not 24 counts");
      }
    }
  }
  RETURN_IF_ERROR(ReadCounts(root, "devices", state.devices));
  RETURN_IF_ERROR(ReadCounts(root, "countries", state.countries));
  if (const json::value* consent = root.if_contains("consent")) {
    RETURN_IF_ERROR(ReadStoredConsent(*consent, state.consent));
  }
  if (const json::value* emails = root.if_contains("emails")) {
    if (!emails->is_object()) return Status::Corruption("profile emails are not an object");
    for (const auto& entry : emails->get_object()) {
      state.email_values.emplace(std::string(entry.key()), entry.value());
    }
  }
  return state;
}

std::string ProfileState::RenderApiJson(int64_t now_us, const ConsentDefaults& defaults) const {
  json::object root;
  root["customerId"] = id;
  json::array identity_array;
  for (const std::string& key : identities) {
    std::string_view kind = IdentityKindName(key);
    if (kind.empty()) continue;
    if (kind == "email") {
      auto it = email_values.find(key);
      // An address whose value was lost (erased key) is not shown at all.
      if (it == email_values.end() || !it->second.is_string()) continue;
      // Shown normalised, as it is matched (the trait keeps the customer's spelling).
      identity_array.push_back(json::object{
          {"type", kind}, {"value", NormalizeEmail(std::string_view(it->second.get_string()))}});
      continue;
    }
    identity_array.push_back(
        json::object{{"type", kind}, {"value", std::string_view(key).substr(2)}});
  }
  root["identities"] = std::move(identity_array);
  json::object trait_object;
  for (const auto& [name, trait] : traits) trait_object[name] = trait.value;
  root["traits"] = std::move(trait_object);

  json::object features;
  const bool seen = TotalEvents() > 0;
  features["first_seen"] = TimeOrNull(seen, first_seen_us);
  features["last_seen"] = TimeOrNull(seen, last_seen_us);
  json::object counts;
  for (EventType type : kAllTypes)
    counts[EventTypeName(type)] = event_counts[static_cast<size_t>(type)];
  features["event_counts"] = std::move(counts);
  features["events"] = CountsToJson(track_events, kMaxTrackEventNames);
  const double revenue = static_cast<double>(revenue_micros) / 1e6;
  features["orders"] = orders;
  features["refunds"] = refunds;
  features["revenue"] = revenue;
  features["average_order_value"] = orders > 0 ? revenue / static_cast<double>(orders) : 0.0;
  features["last_order_at"] =
      TimeOrNull(last_order_at_us.has_value(), last_order_at_us.value_or(0));
  json::array top_categories;
  for (const auto& [name, count] : TopN(categories, kShownCategories)) {
    top_categories.push_back(json::object{{"category", name}, {"count", count}});
  }
  features["top_categories"] = std::move(top_categories);
  features["cart"] = CartToApi(cart);
  features["cart_value"] = CartValue(cart);
  features["active_hours_utc"] = json::array(active_hours.begin(), active_hours.end());
  auto nullable = [](std::optional<std::string> text) {
    return text ? json::value(*text) : json::value(nullptr);
  };
  features["preferred_device"] = nullable(PreferredDevice());
  features["preferred_country"] = nullable(PreferredCountry());
  json::object rfm;
  if (last_order_at_us) {
    const double days = static_cast<double>(std::max<int64_t>(0, now_us - *last_order_at_us)) /
                        static_cast<double>(kMicrosPerDay);
    rfm["recency_days"] = std::round(days * 100) / 100;
  } else {
    rfm["recency_days"] = nullptr;
  }
  rfm["frequency"] = orders;
  rfm["monetary"] = revenue;
  // Without consent to profiling, no scores are derived from the customer's behaviour.
  const bool profiling = consent.Allows(Purpose::kProfiling, defaults);
  features["rfm"] = profiling ? json::value(std::move(rfm)) : json::value(nullptr);
  root["features"] = std::move(features);
  json::object consent_object;
  for (Purpose purpose : kAllPurposes) {
    const auto& decision = consent.decisions[static_cast<size_t>(purpose)];
    json::object entry;
    entry["granted"] = consent.Allows(purpose, defaults);
    entry["decided"] = decision.has_value();
    entry["at"] = TimeOrNull(decision.has_value(), decision ? decision->at_us : 0);
    entry["source"] = decision ? json::value(decision->source) : json::value(nullptr);
    consent_object[PurposeName(purpose)] = std::move(entry);
  }
  root["consent"] = std::move(consent_object);

  json::array merged_array;
  for (const std::string& merged : merged_from) merged_array.emplace_back(merged);
  root["mergedFrom"] = std::move(merged_array);
  std::string text;
  AppendApiJson(root, text);
  return text;
}

}  // namespace mercato::profile

#include "segment/customer_context.h"

#include <boost/json/parse.hpp>

#include "core/big_endian.h"
#include "core/json_scanner.h"
#include "privacy/field_cipher.h"
#include "profile/event_view.h"
#include "profile/keys.h"

namespace mercato::segment {
namespace {

namespace json = boost::json;
using analytics::rules::AggregateFn;
using analytics::rules::EventQuery;
using analytics::rules::EventRecord;
using analytics::rules::Value;

// The track event whose latest time the profile keeps (last_order_at, profile_state.h).
constexpr std::string_view kOrderCompletedEvent = "Order Completed";

Value NumberOrNull(const std::optional<double>& number) {
  return number ? Value::Number(*number) : Value();
}

}  // namespace

Result<std::unique_ptr<CustomerContext>> CustomerContext::Load(Store& store, const KeyVault& vault,
                                                               std::string_view customer_id) {
  ASSIGN_OR_RETURN(std::string stored, store.Get(Cf::kProfiles, customer_id));
  ASSIGN_OR_RETURN(profile::ProfileState state, profile::ProfileState::Parse(customer_id, stored));
  if (!state.merged_into.empty()) {
    return Status::NotFound("customer " + std::string(customer_id) + " was merged into " +
                            state.merged_into);
  }
  ASSIGN_OR_RETURN(Predictions predictions, PredictionStore(store).Get(customer_id));
  return std::make_unique<CustomerContext>(store, vault, std::move(state), std::move(predictions));
}

CustomerContext::CustomerContext(Store& store, const KeyVault& vault, profile::ProfileState profile,
                                 Predictions predictions, HistoryScan* history)
    : store_(store),
      vault_(vault),
      profile_(std::move(profile)),
      predictions_(std::move(predictions)),
      history_scan_(history) {
  // Model scores are profiling: without that consent a rule reads them as unknown.
  if (!profile_.consent.Allows(Purpose::kProfiling)) predictions_ = Predictions{};
}

std::optional<Value> CustomerContext::Feature(std::string_view name) const {
  const profile::ProfileState& p = profile_;
  const double revenue = static_cast<double>(p.revenue_micros) / 1e6;
  if (name == "orders") return Value::Number(static_cast<double>(p.orders));
  if (name == "refunds") return Value::Number(static_cast<double>(p.refunds));
  if (name == "revenue") return Value::Number(revenue);
  if (name == "average_order_value") {
    return Value::Number(p.orders > 0 ? revenue / static_cast<double>(p.orders) : 0.0);
  }
  if (name == "last_order_at") {
    return p.last_order_at_us ? Value::Time(*p.last_order_at_us) : Value();
  }
  if (name == "events") return Value::Number(static_cast<double>(p.TotalEvents()));
  if (name == "first_seen" || name == "last_seen") {
    if (p.TotalEvents() == 0) return Value();
    return Value::Time(name == "first_seen" ? p.first_seen_us : p.last_seen_us);
  }
  if (name == "preferred_country" || name == "preferred_device") {
    std::optional<std::string> text =
        name == "preferred_country" ? p.PreferredCountry() : p.PreferredDevice();
    return text ? Value::String(std::move(*text)) : Value();
  }
  const Predictions& s = predictions_;
  if (name == "churn_probability") return NumberOrNull(s.churn_probability);
  if (name == "p_alive") return NumberOrNull(s.p_alive);
  if (name == "clv") return NumberOrNull(s.clv);
  if (name == "expected_purchases_90d") return NumberOrNull(s.expected_purchases_90d);
  if (name == "rfm_score") return NumberOrNull(s.rfm_score);
  if (name == "rfm_segment") return s.rfm_segment ? Value::String(*s.rfm_segment) : Value();
  if (name == "cluster") {
    return s.cluster ? Value::Number(static_cast<double>(*s.cluster)) : Value();
  }
  return std::nullopt;
}

std::optional<Value> CustomerContext::Trait(std::span<const std::string> path) const {
  if (path.empty()) return std::nullopt;
  auto it = profile_.traits.find(path[0]);
  if (it == profile_.traits.end()) return std::nullopt;
  const json::value* value = &it->second.value;
  json::value decrypted;
  if (IsEncrypted(*value)) {
    Result<json::value> plain = DecryptValue(*value, vault_);
    if (!plain.ok()) return std::nullopt;  // erased, or unreadable: the trait is not known
    decrypted = std::move(*plain);
    value = &decrypted;
  }
  if (path.size() == 1) return analytics::rules::ValueFromJson(*value);
  return analytics::rules::LookupJsonPath(value->if_object(), path.subspan(1));
}

Status CustomerContext::LoadHistory() const {
  if (history_loaded_) return Status::Ok();
  const std::string& prefix = profile_.id;
  std::unique_ptr<rocksdb::Iterator> own;
  rocksdb::Iterator* it = nullptr;
  if (history_scan_ != nullptr) {
    it = history_scan_->SeekTo(prefix);
  } else {
    own = store_.NewIterator(Cf::kEvents);
    own->Seek(prefix);
    it = own.get();
  }
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() != profile::kCustomerIdSize + profile::kEventSuffixSize) continue;
    AddHistoryEvent(it->value().ToStringView(),
                    GetInt64Ordered(key.substr(profile::kCustomerIdSize, 8)));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading a customer's history"));
  history_loaded_ = true;
  return Status::Ok();
}

void CustomerContext::AddHistoryEvent(std::string_view stored, int64_t time_us) const {
  // The members read: type, event and the text of properties; anything the scanner does not
  // handle goes through the JSON parser, as every event did before.
  std::string_view type;
  std::string_view name;
  std::string_view properties;
  bool has_type = false;
  bool has_event = false;
  bool has_properties = false;
  JsonScanner in(stored);
  const bool scanned = ForEachMember(in,
                                     [&](std::string_view key) {
                                       if (key == "type") {
                                         if (has_type) return false;
                                         has_type = true;
                                         return in.PlainString(type);
                                       }
                                       if (key == "event") {
                                         if (has_event) return false;
                                         has_event = true;
                                         return in.PlainString(name);
                                       }
                                       if (key == "properties") {
                                         if (has_properties) return false;
                                         has_properties = true;
                                         std::string_view text;
                                         if (!in.SkipValue(&text)) return false;
                                         if (text.starts_with('{')) properties = text;
                                         return true;
                                       }
                                       return in.SkipValue();
                                     }) &&
                       in.AtEnd();
  HistoryEvent event;
  event.time_us = time_us;
  event.name_at = history_text_.size();
  if (scanned) {
    if (type != "track") return;
    event.properties_at = event.name_at + name.size();
    event.properties_size = properties.size();
    history_text_.append(name).append(properties);
  } else {
    boost::system::error_code ec;
    json::value parsed = json::parse(json::string_view(stored.data(), stored.size()), ec);
    if (ec || !parsed.is_object()) return;
    if (profile::StringField(&parsed.get_object(), "type") != "track") return;
    history_json_.push_back(std::move(parsed));  // addresses in the deque are stable
    const json::object& object = history_json_.back().get_object();
    name = profile::StringField(&object, "event");
    event.parsed = true;
    event.properties = profile::ObjectField(&object, "properties");
    history_text_.append(name);
  }
  event.name_size = name.size();
  history_.push_back(event);
}

std::span<const EventRecord> CustomerContext::Candidates(const EventQuery& query,
                                                         std::optional<int64_t> after_us) const {
  const bool reads_properties = query.where != nullptr || query.fn != AggregateFn::kCount;
  candidates_.clear();
  for (HistoryEvent& event : history_) {
    const std::string_view name(history_text_.data() + event.name_at, event.name_size);
    if (name != query.event || (after_us && event.time_us <= *after_us)) continue;
    if (reads_properties && !event.parsed) {
      event.parsed = true;
      boost::system::error_code ec;
      json::value parsed = json::parse(
          json::string_view(history_text_.data() + event.properties_at, event.properties_size), ec);
      if (!ec && parsed.is_object()) {
        history_json_.push_back(std::move(parsed));
        event.properties = &history_json_.back().get_object();
      }
    }
    candidates_.push_back(EventRecord{name, event.time_us, event.properties});
  }
  return candidates_;
}

bool CustomerContext::HistoryCannotMatch(const EventQuery& query,
                                         std::optional<int64_t> after_us) const {
  if (query.event == kSegmentEnteredEvent || query.event == kSegmentExitedEvent) return false;
  if (!profile_.track_events.contains(query.event) &&
      profile_.track_events.size() < profile::kMaxTrackEventNames) {
    return true;
  }
  // The profile keeps the time of the latest order: no order event is after it.
  if (after_us && query.event == kOrderCompletedEvent &&
      (!profile_.last_order_at_us || *profile_.last_order_at_us <= *after_us)) {
    return true;
  }
  return after_us && profile_.TotalEvents() > 0 && profile_.last_seen_us <= *after_us;
}

Result<std::optional<double>> CustomerContext::Aggregate(const EventQuery& query,
                                                         std::optional<int64_t> after_us) const {
  if (HistoryCannotMatch(query, after_us)) {
    return analytics::rules::AggregateEvents(query, after_us, {});
  }
  RETURN_IF_ERROR(LoadHistory());
  return analytics::rules::AggregateEvents(query, after_us, Candidates(query, after_us));
}

Result<std::optional<int64_t>> CustomerContext::OldestEventTime(
    const EventQuery& query, std::optional<int64_t> after_us) const {
  if (HistoryCannotMatch(query, after_us)) return std::optional<int64_t>();
  RETURN_IF_ERROR(LoadHistory());
  return analytics::rules::OldestMatchingEvent(query, after_us, Candidates(query, after_us));
}

}  // namespace mercato::segment

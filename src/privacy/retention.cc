#include "privacy/retention.h"

#include <boost/json.hpp>
#include <charconv>

#include "core/time_format.h"

namespace mercato {
namespace {

Result<int64_t> ParseDuration(std::string_view text) {
  if (text.size() < 2) return Status::InvalidArgument("duration '" + std::string(text) + "'");
  int64_t unit = 0;
  switch (text.back()) {
    case 'd':
      unit = kMicrosPerDay;
      break;
    case 'h':
      unit = 3600 * kMicrosPerSecond;
      break;
    case 'm':
      unit = 60 * kMicrosPerSecond;
      break;
    case 's':
      unit = kMicrosPerSecond;
      break;
    default:
      return Status::InvalidArgument("duration '" + std::string(text) +
                                     "' must end in d, h, m or s");
  }
  int64_t count = 0;
  std::string_view digits = text.substr(0, text.size() - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (ec != std::errc() || end != digits.data() + digits.size() || count < 1 ||
      count > int64_t{100} * 366 * kMicrosPerDay / unit) {
    return Status::InvalidArgument("duration '" + std::string(text) +
                                   "' must be a whole number from 1 up to 100 years");
  }
  return count * unit;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

}  // namespace

Result<RetentionPolicy> RetentionPolicy::Parse(std::string_view spec) {
  RetentionPolicy policy;
  while (!Trim(spec).empty()) {
    size_t comma = spec.find(',');
    std::string_view rule = Trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    size_t equals = rule.rfind('=');
    if (equals == std::string_view::npos) {
      return Status::InvalidArgument("retention rule '" + std::string(rule) +
                                     "' must be <selector>=<duration>");
    }
    std::string_view selector = Trim(rule.substr(0, equals));
    auto ttl = ParseDuration(Trim(rule.substr(equals + 1)));
    if (!ttl.ok()) {
      return Status::InvalidArgument("retention rule '" + std::string(rule) +
                                     "': " + ttl.status().message());
    }
    if (selector == "*") {
      policy.default_ttl_us_ = *ttl;
    } else if (selector.starts_with("track:") && selector.size() > 6) {
      policy.by_name_[std::string(selector.substr(6))] = *ttl;
    } else if (auto type = EventTypeFromName(selector)) {
      policy.by_type_[*type] = *ttl;
    } else {
      return Status::InvalidArgument("retention rule '" + std::string(rule) +
                                     "': selector must be *, an event type or track:<name>");
    }
  }
  return policy;
}

std::optional<int64_t> RetentionPolicy::TtlFor(EventType type, std::string_view event_name) const {
  if (type == EventType::kTrack) {
    if (auto it = by_name_.find(event_name); it != by_name_.end()) return it->second;
  }
  if (auto it = by_type_.find(type); it != by_type_.end()) return it->second;
  return default_ttl_us_;
}

bool RetentionPolicy::Expired(std::string_view payload, int64_t now_us) const {
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(payload, ec);
  if (ec || !root.is_object()) return false;
  const auto& object = root.get_object();
  const auto* type_field = object.if_contains("type");
  const auto* time_field = object.if_contains("timestamp");
  if (type_field == nullptr || !type_field->is_string() || time_field == nullptr ||
      !time_field->is_string()) {
    return false;
  }
  auto type = EventTypeFromName(std::string_view(type_field->get_string()));
  if (!type) return false;
  std::string_view name;
  if (const auto* event = object.if_contains("event"); event != nullptr && event->is_string()) {
    name = event->get_string();
  }
  auto ttl = TtlFor(*type, name);
  if (!ttl) return false;
  auto timestamp = ParseTimestamp(std::string_view(time_field->get_string()));
  return timestamp.ok() && *timestamp < now_us - *ttl;
}

EventExpiryFn MakeEventExpiryFn(RetentionPolicy policy, const Clock& clock) {
  if (policy.empty()) return {};
  return [policy = std::move(policy), &clock](std::string_view payload) {
    return policy.Expired(payload, clock.NowMicros());
  };
}

}  // namespace mercato

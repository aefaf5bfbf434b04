#include "pipeline/journey_support.h"

#include <boost/json/serialize.hpp>

#include "core/time_format.h"
#include "core/time_zone.h"
#include "pipeline/delivery_guards.h"
#include "profile/profile_state.h"
#include "segment/customer_context.h"

namespace mercato {
namespace {

bool TwoDigits(std::string_view text, int& out) {
  if (text.size() != 2 || text[0] < '0' || text[0] > '9' || text[1] < '0' || text[1] > '9') {
    return false;
  }
  out = (text[0] - '0') * 10 + (text[1] - '0');
  return true;
}

}  // namespace

std::optional<int> ParseUtcOffset(std::string_view text) {
  if (text == "UTC" || text == "Z" || text == "GMT") return 0;
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  const int sign = text[0] == '-' ? -1 : 1;
  std::string_view rest = text.substr(1);
  int hours = 0;
  int minutes = 0;
  if (!TwoDigits(rest.substr(0, 2), hours)) return std::nullopt;
  rest.remove_prefix(2);
  if (rest.starts_with(':')) rest.remove_prefix(1);
  if (!rest.empty() && !TwoDigits(rest, minutes)) return std::nullopt;
  if (hours > 14 || minutes > 59) return std::nullopt;
  return sign * (hours * 60 + minutes);
}

Result<RoutingIdentity> CustomerRoutingIdentity(Store& store, std::string_view customer) {
  ASSIGN_OR_RETURN(std::string stored, store.Get(Cf::kProfiles, customer));
  ASSIGN_OR_RETURN(profile::ProfileState state, profile::ProfileState::Parse(customer, stored));
  RoutingIdentity routing;
  for (const std::string& key : state.identities) {
    if (key.starts_with("u:")) {
      routing.field = "userId";
      routing.value = key.substr(2);
      break;
    }
    if (routing.value.empty() && key.starts_with("a:")) {
      routing.field = "anonymousId";
      routing.value = key.substr(2);
    }
  }
  if (routing.value.empty()) {
    return Status::FailedPrecondition("the customer has no identity to route an event by");
  }
  return routing;
}

Status AppendCustomerEvent(Store& store, EventLog& log, std::string_view customer,
                           boost::json::object event, std::string_view message_id,
                           std::string_view source, int64_t now_us) {
  ASSIGN_OR_RETURN(RoutingIdentity routing, CustomerRoutingIdentity(store, customer));
  const std::string_view field = routing.field;
  const std::string_view identity = routing.value;
  const std::string time = FormatTimestamp(now_us);
  event["messageId"] = message_id;
  event[field] = identity;
  event["timestamp"] = time;
  event["receivedAt"] = time;
  event["source"] = source;
  ASSIGN_OR_RETURN(AppendResult appended,
                   log.Append({AppendItem{std::string(identity), std::string(message_id), now_us,
                                          boost::json::serialize(event)}}));
  (void)appended;
  return Status::Ok();
}

RuleEvaluator MakeRuleEvaluator(Store& store, const KeyVault& vault) {
  return [&store, &vault](const analytics::rules::Rule& rule, std::string_view customer,
                          int64_t now_us) -> Result<bool> {
    ASSIGN_OR_RETURN(std::unique_ptr<segment::CustomerContext> context,
                     segment::CustomerContext::Load(store, vault, customer));
    return analytics::rules::Matches(rule, *context, now_us);
  };
}

SegmentMembersFn MakeSegmentMembers(const segment::SegmentEngine& segments) {
  return [&segments](std::string_view segment, std::string_view after,
                     size_t limit) -> Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    // Pages of at most 1000 (the engine's bound) until `limit` or the last member.
    std::string cursor(after);
    while (ids.size() < limit) {
      ASSIGN_OR_RETURN(
          segment::MemberPage page,
          segments.Members(segment, cursor, std::min<size_t>(limit - ids.size(), 1000)));
      for (segment::Member& member : page.members) ids.push_back(std::move(member.customer_id));
      if (page.next_cursor.empty() || page.members.empty()) break;
      cursor = page.members.back().customer_id;
    }
    return ids;
  };
}

LocalTimeFn MakeLocalTime(Store& store) {
  return [&store](std::string_view customer, int64_t now_us, int minute) -> Result<int64_t> {
    std::string zone;
    Result<std::string> stored = store.Get(Cf::kProfiles, customer);
    if (stored.ok()) {
      ASSIGN_OR_RETURN(profile::ProfileState state,
                       profile::ProfileState::Parse(customer, *stored));
      if (auto trait = state.traits.find("timezone");
          trait != state.traits.end() && trait->second.value.is_string()) {
        zone = trait->second.value.get_string();
      }
    } else if (stored.status().code() != StatusCode::kNotFound) {
      return stored.status();
    }
    auto offset_at = [&zone](int64_t at_us) -> int {
      if (std::optional<int> fixed = ParseUtcOffset(zone)) return *fixed;
      return TimeZones::System().OffsetMinutes(zone, at_us).value_or(0);
    };
    // Local wall time is UTC + offset: the next local `minute` is the next UTC one, shifted.
    auto next = [&](int offset) {
      const int64_t shift = static_cast<int64_t>(offset) * 60 * kMicrosPerSecond;
      return NextUtcMinute(now_us + shift, minute) - shift;
    };
    const int now_offset = offset_at(now_us);
    int64_t due = next(now_offset);
    // A daylight-saving change before then moves the wall clock: use the offset in force then.
    if (const int then_offset = offset_at(due); then_offset != now_offset) {
      const int64_t corrected = next(then_offset);
      if (corrected > now_us) due = corrected;
    }
    return due;
  };
}

}  // namespace mercato

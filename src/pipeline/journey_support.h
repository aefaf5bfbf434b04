#pragma once
// What the journey engine and the delivery worker need from modules they may not include
// (journey/engine.h options): branch rules evaluated against stored customers with the segment
// module's CustomerContext, and local times from the customer's `timezone` trait.
//
// Time zones: the trait is an IANA zone name ("Europe/Warsaw", as Segment's context.timezone
// sends it; core/time_zone.h, daylight saving included), "UTC", "Z", or a fixed offset
// "+HH:MM" / "-HH:MM" (also "+HHMM", "+HH"). Any other value, or no trait, counts as UTC.
//
// Thread safety: the returned functions are safe from any thread (they only read the store).

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/rules/rule.h"
#include "core/status.h"
#include "privacy/key_vault.h"
#include "segment/segment_engine.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato {

using RuleEvaluator = std::function<Result<bool>(const analytics::rules::Rule& rule,
                                                 std::string_view customer, int64_t now_us)>;
using LocalTimeFn =
    std::function<Result<int64_t>(std::string_view customer, int64_t now_us, int minute)>;

// NotFound when the customer has no live profile.
RuleEvaluator MakeRuleEvaluator(Store& store, const KeyVault& vault);
LocalTimeFn MakeLocalTime(Store& store);
// Pages through a segment's members for schedule triggers (journey/engine.h segment_members).
using SegmentMembersFn = std::function<Result<std::vector<std::string>>(
    std::string_view segment, std::string_view after, size_t limit)>;
SegmentMembersFn MakeSegmentMembers(const segment::SegmentEngine& segments);

// The identity events of `customer` are routed by: its userId, else an anonymousId. NotFound when
// the customer has no profile; FailedPrecondition when it has no identity.
struct RoutingIdentity {
  std::string_view field;  // "userId" or "anonymousId"
  std::string value;
};
Result<RoutingIdentity> CustomerRoutingIdentity(Store& store, std::string_view customer);

// Appends `event` (its "type" and type-specific fields set) to the log for the customer, routed
// and identified by its userId (else anonymousId), with "messageId" = `message_id` (so a repeat
// is deduplicated), "timestamp" and "receivedAt" = `now_us` and "source" = `source`. NotFound
// when the customer has no profile; FailedPrecondition when it has no identity to route by.
Status AppendCustomerEvent(Store& store, EventLog& log, std::string_view customer,
                           boost::json::object event, std::string_view message_id,
                           std::string_view source, int64_t now_us);

// Minutes east of UTC of a `timezone` value; nullopt when it is not one of the forms above.
std::optional<int> ParseUtcOffset(std::string_view text);

}  // namespace mercato

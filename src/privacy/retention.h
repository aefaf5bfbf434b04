#pragma once
// Retention per event type: how long raw events (log records and per-customer history rows) are
// kept, measured from the event's "timestamp". Enforced by compaction (storage/store.h
// EventExpiryFn): an expired event disappears the next time its file is compacted, and every file
// is compacted at least daily. Profiles' aggregate features stay; only raw events go.
//
// Spec (flag --retention): comma-separated rules `<selector>=<duration>`, selectors
//   `*`                    every event without a more specific rule
//   `track`, `page`, ...   every event of that type
//   `track:<event name>`   track events with that name (the most specific rule wins)
// durations `<n>d`, `<n>h`, `<n>m` or `<n>s`, n >= 1. Example:
//   "page=30d,track:Product Viewed=90d,*=730d"
// An empty spec keeps everything forever.
//
// Thread safety: immutable after Parse; Expired is safe from any thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "event/event.h"
#include "storage/store.h"

namespace mercato {

class RetentionPolicy {
 public:
  // InvalidArgument naming the bad rule.
  static Result<RetentionPolicy> Parse(std::string_view spec);

  bool empty() const { return by_type_.empty() && by_name_.empty() && !default_ttl_us_; }
  // The retention period of an event, or nullopt when it is kept forever.
  std::optional<int64_t> TtlFor(EventType type, std::string_view event_name) const;
  // True when the event whose normalised payload is given has expired at `now_us`. Payloads that
  // do not parse are kept (never drop what cannot be judged).
  bool Expired(std::string_view payload, int64_t now_us) const;

 private:
  std::map<EventType, int64_t> by_type_;
  std::map<std::string, int64_t, std::less<>> by_name_;  // track event names
  std::optional<int64_t> default_ttl_us_;
};

// The storage hook for a policy; nullptr-equivalent (empty function) when the policy is empty.
EventExpiryFn MakeEventExpiryFn(RetentionPolicy policy, const Clock& clock);

}  // namespace mercato

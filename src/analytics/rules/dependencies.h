#pragma once
// What a rule's value depends on, so that membership can be maintained incrementally: an event
// re-evaluates only the segments whose rules it can change, and rules that depend on time are
// re-checked at scheduled instants (NextRecheckTime, recheck.h) instead of by full scans.
//
// Thread safety: plain values and pure functions.

#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "analytics/rules/ast.h"
#include "analytics/rules/schema.h"

namespace mercato::analytics::rules {

struct RuleDependencies {
  // Canonical names of the features read (recency_days adds last_order_at, which it is computed
  // from).
  std::set<std::string, std::less<>> features;
  // Names of the traits read (the segment after "traits.").
  std::set<std::string, std::less<>> traits;
  // Track event names whose arrival can change the value: those the rule's aggregates count, and
  // those that change a feature read (Order Completed for orders, ...).
  std::set<std::string, std::less<>> event_names;
  // A feature that any event may change is read (events, first_seen, last_seen,
  // preferred_country, preferred_device).
  bool any_event = false;
  // Features that model runs change (predictions, RFM, clusters): re-evaluate after a run that
  // rescored the customer.
  std::set<std::string, std::less<>> model_features;
  // The value depends on the passing of time: `now`, `within` or a days-since feature
  // (recency_days). Such rules need NextRecheckTime; the others change only with data.
  bool time_dependent = false;
  // `within` windows and the signed offsets of `now` expressions (now - 30d: -30 days), in
  // microseconds, for callers that schedule by durations.
  std::set<int64_t> windows_us;
  std::set<int64_t> now_offsets_us;

  // Whether an event can change the value: any_event, or a track event named in event_names, or
  // an event that sets one of `traits` (identify's traits, context.traits). `track_event_name` is
  // empty for events other than track; `trait_names` are the traits the event sets. Identity
  // merges change every input: re-evaluate every rule of the surviving customer.
  bool AffectedByEvent(std::string_view track_event_name,
                       std::span<const std::string> trait_names) const;
};

// The dependencies of a tree checked by CheckRule against `schema`.
RuleDependencies AnalyzeDependencies(const Node& root, const Schema& schema);

}  // namespace mercato::analytics::rules

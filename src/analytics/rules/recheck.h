#pragma once
// NextRecheckTime: when a time-dependent rule must be evaluated again for a customer whose data
// does not change, so that memberships expire (or begin) on time without full scans.
//
// Contract. Let t = NextRecheckTime(root, context, now). Assuming the customer's features, traits
// and events stay as the context reports them:
//   - the rule's value is the same at every instant in [now, t);
//   - at t one of its conditions can change: a windowed aggregate loses its oldest matching event
//     (t = that event's time + the window: `within 7d` counts events with time > instant - 7d),
//     or a comparison with `now` or a days-since feature changes its value (t = the first
//     instant, to the microsecond, at which it differs from its value at `now`; e.g.
//     `last_order_at > now - 30d` turns false at t = last_order_at + 30d);
//   - the rule's value at t may still be what it was: evaluate at t and call again.
// nullopt: with unchanged data the value never changes after `now` (the rule does not depend on
// time, or every time-dependent condition has settled: its other side is missing, say). A
// days-since comparison that would change more than 2^53 us (about 285 years) after the feature's
// time counts as never changing.
// Any change to the customer's data (an event, a trait, a model run, a merge) invalidates t:
// evaluate, then call again. Events timed after `now` already count (windows reach forwards
// without limit), so no condition starts to hold merely because such an event's time arrives.
//
// Thread safety: pure; calls the context from the calling thread only.

#include <cstdint>
#include <optional>

#include "analytics/rules/ast.h"
#include "analytics/rules/evaluator.h"
#include "core/status.h"

namespace mercato::analytics::rules {

// `root` is a tree checked by CheckRule. Fails when the context fails.
Result<std::optional<int64_t>> NextRecheckTime(const Node& root, const RuleContext& context,
                                               int64_t now_us);

}  // namespace mercato::analytics::rules

#pragma once
// JourneyEngine: runs customers through the active journeys (docs/journeys.md, "How journeys
// run"). It is a log consumer like the segment engine:
//
// - Step() first fires due timers (waits, wait-until, wait-for-event timeouts), then reads log
//   records past its cursors, never beyond the upstream cursors (the profile consumer's, so the
//   customers it resolves and the rules it evaluates already include those records). For each
//   track event of a customer, in log order: goals (a conversion ends the journey and is
//   attributed to the last message and variant sent within the goal's window), waits for that
//   event, then triggers of active journeys (event with conditions, segment entered / exited,
//   with the re-entry policy).
// - A customer moves through steps until one waits or the journey ends. A send or set-trait
//   step becomes an OutboxMessage (outbox.h) whose key is the idempotency key of (journey,
//   customer, entry, version, step). Every state change, timer, outbox message, counter and the
//   cursors of one Step() are written in ONE WriteBatch, so after a crash the step is repeated
//   from the same cursors and makes the same keys: nothing is enqueued twice and nothing is lost.
// - Customers stay on the definition version they entered with. A paused journey admits no one
//   and moves no one; its timers are deferred (re-checked every `paused_recheck_us`) and run
//   once it is active again.
// - Splits are deterministic per (journey, customer, entry), so a repeated step picks the same
//   variant; the control group leaves the journey with exit reason "control".
//
// Storage: engine_keys.h. Metrics: mercato_journey_transitions_total,
// mercato_journey_entries_total, mercato_journey_enqueued_total, mercato_journey_step_seconds,
// mercato_journey_enqueue_delay_seconds (an event's receivedAt to the write that enqueued what it
// caused), mercato_consumer_lag{consumer="journeys"}.
//
// Thread safety: all methods are safe from any thread; Step and EraseCustomer are serialised by
// one mutex, reads of states and counters read the store without it.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/rules/rule.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "journey/journey_state.h"
#include "journey/journey_store.h"
#include "privacy/key_vault.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::journey {

struct JourneyEngineOptions {
  // Records past these offsets (per partition) are not processed yet. Null: the log's end.
  std::function<std::vector<uint64_t>()> upstream_cursors;
  // Whether a branch rule holds for the customer now. NotFound (the customer is gone) ends the
  // customer's journey; any other error fails the Step, which is retried. Null: every branch
  // takes "else".
  std::function<Result<bool>(const analytics::rules::Rule& rule, std::string_view customer,
                             int64_t now_us)>
      evaluate_rule;
  // The next time after `now_us` at which it is `minute` minutes past midnight in the customer's
  // time zone. Null: UTC.
  std::function<Result<int64_t>(std::string_view customer, int64_t now_us, int minute)>
      next_local_time;
  // Up to `limit` members of a segment after customer id `after` (empty: from the first), in id
  // order: the audience of schedule triggers. NotFound for an unknown segment. Null: schedules
  // never run.
  std::function<Result<std::vector<std::string>>(std::string_view segment, std::string_view after,
                                                 size_t limit)>
      segment_members;
  // Called after a write that enqueued outbox messages (delivery workers wake up).
  std::function<void()> on_enqueued;
  int64_t paused_recheck_us = 60 * kMicrosPerSecond;
};

// Counters of one step (engine: "reached", "exited", "converted"; delivery: "sent", "failed",
// "skipped", "dead"), with the split variant for delivery and conversion counters.
struct StepCounters {
  std::string step;     // "" for journey-wide counters ("entered", "exited", "converted")
  std::string variant;  // "" when not split
  std::map<std::string, uint64_t> counters;
};

class JourneyEngine {
 public:
  static Result<std::unique_ptr<JourneyEngine>> Open(Store& store, EventLog& log,
                                                     JourneyStore& journeys, const KeyVault& vault,
                                                     const Clock& clock, MetricsRegistry* metrics,
                                                     JourneyEngineOptions options = {});
  ~JourneyEngine();

  // One bounded round of work: up to `max_items` due timers, then up to `max_items` log records.
  // Returns the amount done (0: idle). On error nothing of the round is stored.
  Result<size_t> Step(size_t max_items = 1024);
  uint64_t Lag() const;
  // The next log offset to process, per partition.
  std::vector<uint64_t> Cursors() const;

  // The customer's state in the journey; nullopt when they never entered.
  Result<std::optional<JourneyState>> State(std::string_view journey,
                                            std::string_view customer) const;
  // Engine and delivery counters of the journey, by step and variant.
  Result<std::vector<StepCounters>> Stats(std::string_view journey) const;

  // Removes the customer's states, timers and queued messages. Returns the items removed.
  Result<size_t> EraseCustomer(std::string_view customer);

  class Impl;

 private:
  explicit JourneyEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mercato::journey

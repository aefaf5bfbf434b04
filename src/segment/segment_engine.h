#pragma once
// SegmentEngine: stored segments and their memberships, kept true as events arrive.
//
// - Definitions (definition.h) are created, edited and deleted through the engine; every rule is
//   compiled (analytics/rules/rule.h) before anything is stored, so a bad rule stores nothing and
//   its error names the position and what was expected.
// - Incremental membership: Step() reads the log past the segment cursors, never beyond the
//   profile consumer's cursors (the profiles it reads already include those records), groups the
//   records by customer and re-evaluates only the segments whose rules the events can change
//   (RuleDependencies::AffectedByEvent; any segment when the customer absorbed a merged one).
// - Time: a time-dependent rule gets a re-check timer per customer at NextRecheckTime
//   (analytics/rules/recheck.h), kept in a due-time-ordered index; Step() evaluates due timers
//   first. Nothing scans all customers to expire windows.
// - Batch evaluation: a new or edited segment is evaluated over every profile in chunks by
//   Step(), with its position stored in the definition so that it resumes after a restart;
//   memberships of merged-away or erased customers are dropped on the way. Each finished build
//   and, at most once per `history_interval_us`, each change of size adds a size history point.
// - Every entry and exit is an event in the log: track "Segment Entered" / "Segment Exited" with
//   source "mercato/segments" (event/event.h), the customer's userId (else anonymousId), properties
//   {segment_id, segment_name, segment_version, customer_id, reason: "event"|"recheck"|"build"}
//   and a messageId derived from (segment, customer, direction, cause), so that a step repeated
//   after a crash appends nothing twice (the log dedupes messageIds). The events are appended
//   (synced) before the memberships and cursors are written in one batch. The engine does not
//   re-evaluate on its own events. Deleting a segment removes its memberships without events.
//
// Storage: segment/keys.h. Metrics: mercato_segment_evaluations_total,
// mercato_segment_transitions_total{direction}, mercato_segment_step_seconds,
// mercato_segment_membership_delay_seconds (from an event's receivedAt to its membership write),
// mercato_consumer_lag{consumer="segments"}.
//
// Thread safety: all methods are safe from any thread; writers (Step, CRUD, EraseCustomer) are
// serialised by one mutex, reads of members and history read the store without it.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "privacy/key_vault.h"
#include "segment/definition.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::segment {

struct SegmentEngineOptions {
  // Records past these offsets (per partition) are not processed yet: the profile consumer's
  // cursors. Null: the log's end.
  std::function<std::vector<uint64_t>()> upstream_cursors;
  size_t max_segments = 1000;
  size_t build_chunk = 4096;  // profiles per Step() of a batch evaluation
  size_t build_threads = 0;   // threads that evaluate a chunk; 0: one per hardware thread
  int64_t history_interval_us = 3600LL * 1'000'000;
  size_t preview_scan_limit = 1'000'000;  // profiles a preview evaluates at most
};

// A create (all of name and rule required; id optional: derived from the name) or an edit (any
// subset; a changed rule makes a new version and a new batch evaluation).
struct SegmentSpec {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> rule;
};

struct SegmentView {
  SegmentDefinition definition;
  uint64_t size = 0;
  std::string ToJson() const { return definition.RenderApiJson(size); }
};

struct Member {
  std::string customer_id;
  int64_t entered_at_us = 0;
};

struct MemberPage {
  std::vector<Member> members;
  std::string next_cursor;  // empty on the last page
};

struct SizePoint {
  int64_t at_us = 0;
  uint64_t size = 0;
  uint64_t version = 0;
  std::string reason;  // "build" or "changes"
};

struct RulePreview {
  std::string rule;        // canonical text
  uint64_t evaluated = 0;  // profiles evaluated
  uint64_t matched = 0;    // of which members
  uint64_t total = 0;      // live profiles (evaluated < total when the scan limit was reached)
  std::vector<std::string> sample;  // the first matching customer ids
};

class SegmentEngine {
 public:
  static Result<std::unique_ptr<SegmentEngine>> Open(Store& store, EventLog& log,
                                                     const KeyVault& vault, const Clock& clock,
                                                     MetricsRegistry* metrics,
                                                     SegmentEngineOptions options = {});
  ~SegmentEngine();

  // InvalidArgument for a bad name, id, description or rule; AlreadyExists for a taken id;
  // FailedPrecondition beyond max_segments.
  Result<SegmentView> Create(const SegmentSpec& spec);
  // NotFound for an unknown id; InvalidArgument as Create (an id in the spec must equal `id`).
  Result<SegmentView> Update(std::string_view id, const SegmentSpec& spec);
  // Removes the definition, memberships, timers and history. NotFound for an unknown id.
  Status Delete(std::string_view id);

  Result<SegmentView> Get(std::string_view id) const;
  std::vector<SegmentView> List() const;
  // Members in customer id order after `cursor` (a customer id; empty: from the start); `limit`
  // 1..1000. NotFound for an unknown segment.
  Result<MemberPage> Members(std::string_view id, std::string_view cursor, size_t limit) const;
  Result<std::vector<SizePoint>> History(std::string_view id) const;
  // The ids of the segments the customer is a member of.
  Result<std::vector<std::string>> SegmentsOf(std::string_view customer_id) const;
  // Evaluates `rule` over the stored profiles without storing anything; `sample` ids at most
  // (<= 100). InvalidArgument for a bad rule.
  Result<RulePreview> Preview(std::string_view rule, size_t sample) const;

  // One bounded round of work: due re-checks, then up to `max_records` log records, then a chunk
  // of batch evaluation. Returns the amount done (0: idle). On error nothing of the failed part
  // is stored and it is retried by the next call.
  Result<size_t> Step(size_t max_records = 1024);
  // Log records not yet processed, summed over partitions.
  uint64_t Lag() const;
  // Removes every membership and timer of the customer (and of customers merged into it) and
  // ignores its records from now on. Returns the items removed.
  Result<size_t> EraseCustomer(std::string_view customer_id);

  class Impl;  // engine_impl.h

 private:
  explicit SegmentEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mercato::segment

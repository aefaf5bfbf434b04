#pragma once
// Evaluation of a checked rule for one customer at one instant, with three-valued logic: a
// comparison that involves a missing (null) value is unknown; `not` unknown is unknown; `and` is
// false when any side is false, `or` true when any side is true, unknown otherwise; a customer is
// a member only when the rule is true. Full semantics: docs/segments.md, "Semantics".
//
// Evaluation does no I/O: the caller passes a RuleContext that reads the customer's features,
// traits and event history however it keeps them, and the instant to evaluate at (`now`).
//
// Thread safety: the functions are pure; they call the context from the calling thread only.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "analytics/rules/ast.h"
#include "analytics/rules/value.h"
#include "core/status.h"

namespace mercato::analytics::rules {

enum class Truth : uint8_t { kFalse, kTrue, kUnknown };

// "false", "true", "unknown".
std::string_view TruthName(Truth truth);

// One event aggregate of a rule: count(event "Product Viewed" where category = "shoes" within 7d).
// Points into the rule's tree, which must outlive it.
struct EventQuery {
  AggregateFn fn = AggregateFn::kCount;
  std::string_view event;                 // the track event name, matched exactly
  std::span<const std::string> property;  // sum/avg/min/max: the property path; empty for count
  const Node* where = nullptr;            // the event predicate; null when there is none
  std::optional<int64_t> window_us;       // `within`; nullopt: the whole history

  // The query of a kAggregate node.
  static EventQuery Of(const Node& aggregate);
};

// What evaluation reads about one customer. Implementations decide how (a profile in memory, a
// store); they must answer consistently within one evaluation.
class RuleContext {
 public:
  virtual ~RuleContext() = default;

  // The computed feature named `name` (a canonical name of the Schema, e.g. "orders",
  // "last_order_at" as Value::Time); nullopt or a null Value when the customer has none.
  virtual std::optional<Value> Feature(std::string_view name) const = 0;

  // The trait at `path`: path[0] is the trait's name, further segments descend into objects
  // (LookupJsonPath does this over a JSON object). nullopt when absent.
  virtual std::optional<Value> Trait(std::span<const std::string> path) const = 0;

  // The aggregate over the customer's events that match `query` (EventMatches) and whose time is
  // after `after_us` (strictly; nullopt: all of them): count: their number; sum: the sum of the
  // numeric values of the property (numbers, or strings holding a decimal number; others are
  // skipped; 0 when none); avg, min, max: over the same values, nullopt when there are none.
  // AggregateEvents computes this over events in memory. An error fails the evaluation.
  virtual Result<std::optional<double>> Aggregate(const EventQuery& query,
                                                  std::optional<int64_t> after_us) const = 0;

  // The earliest time of the events that match `query` and whose time is after `after_us`
  // (strictly); nullopt when there are none. Used only by NextRecheckTime (dependencies.h).
  virtual Result<std::optional<int64_t>> OldestEventTime(const EventQuery& query,
                                                         std::optional<int64_t> after_us) const = 0;
};

// The value of the rule `root` (a tree checked by CheckRule, e.g. Rule::root()) for the customer
// of `context` at `now_us`. `within d` covers events with time > now_us - d; `now - d` is
// now_us - d. Fails only when the context's Aggregate fails.
Result<Truth> Evaluate(const Node& root, const RuleContext& context, int64_t now_us);

// The value of one operand (a field, literal, `now` expression or aggregate) of a checked rule;
// a null Value when it is missing.
Result<Value> EvaluateOperand(const Node& operand, const RuleContext& context, int64_t now_us);

// `a op b` by the rules of docs/segments.md: unknown when either is null; a number against a
// string holding a decimal number, and a time against an ISO-8601 string, compare as numbers and
// times; otherwise values of different types are unequal and unordered.
Truth CompareValues(const Value& a, CompareOp op, const Value& b);

// The value of an aggregate's `where` predicate for an event with these properties (null: none),
// by the same rules; bare names are property paths.
Truth EvaluateEventPredicate(const Node& where, const boost::json::object* properties);

// An event as AggregateEvents reads it; the pointers must outlive the call.
struct EventRecord {
  std::string_view name;
  int64_t time_us = 0;
  const boost::json::object* properties = nullptr;
};

// Whether `event` counts for `query` (its name and `where`, not the window): the name is equal
// and the predicate is true (not unknown). For incremental counting by the caller.
bool EventMatches(const EventQuery& query, const EventRecord& event);

// RuleContext::Aggregate and OldestEventTime over events in memory (any order).
std::optional<double> AggregateEvents(const EventQuery& query, std::optional<int64_t> after_us,
                                      std::span<const EventRecord> events);
std::optional<int64_t> OldestMatchingEvent(const EventQuery& query, std::optional<int64_t> after_us,
                                           std::span<const EventRecord> events);

// The number an aggregate reads from a property value: a number, or a string holding a decimal
// number; nullopt otherwise.
std::optional<double> NumericValue(const Value& value);

}  // namespace mercato::analytics::rules

#pragma once
// The syntax tree of a segment rule (docs/segments.md). ParseRule (parser.h) builds it, CheckRule
// (checker.h) resolves its fields, PrintRule (printer.h) writes it back as canonical text.
//
// One node type for conditions and operands, told apart by `kind`; each kind uses the members
// listed below and leaves the others at their defaults. And/Or are n-ary and never have a child of
// their own kind when parsed (`a and (b and c)` is And(a, b, c)).
//
// Thread safety: a plain value; concurrent reads are safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/rules/value.h"

namespace mercato::analytics::rules {

enum class NodeKind : uint8_t {
  // Conditions.
  kAnd,         // children: two or more conditions
  kOr,          // children: two or more conditions
  kNot,         // children: one condition
  kCompare,     // op; children: two operands
  kIn,          // negated ("not in"); children: the operand, then one or more literals
  kContains,    // negated; children: the operand, a literal
  kStartsWith,  // negated; children: the operand, a string literal
  kExists,      // negated ("is null"); children: one operand ("x exists" == "x is not null")
  kTruth,       // children: one operand used as a condition (a boolean trait, `true`)
  // Operands.
  kField,      // path
  kLiteral,    // value: boolean, number or string
  kNow,        // duration and sign when an offset is given: now - 30d
  kAggregate,  // fn, event, path (the property of sum/avg/min/max; empty for count), duration
               // (the `within` window, if any); children: the `where` condition, if any
};

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
enum class AggregateFn : uint8_t { kCount, kSum, kAvg, kMin, kMax };
enum class DurationUnit : uint8_t { kSeconds, kMinutes, kHours, kDays, kWeeks };

// "=", "!=", "<", "<=", ">", ">=".
std::string_view CompareOpText(CompareOp op);
// "count", "sum", "avg", "min", "max".
std::string_view AggregateFnName(AggregateFn fn);
// 's', 'm', 'h', 'd', 'w'.
char DurationUnitSuffix(DurationUnit unit);
int64_t DurationUnitMicros(DurationUnit unit);

// The longest duration a rule may write: 36500 days (about 100 years).
inline constexpr int64_t kMaxDurationMicros = int64_t{36'500} * 86'400 * 1'000'000;

struct Duration {
  int64_t amount = 0;  // > 0; amount * unit <= kMaxDurationMicros
  DurationUnit unit = DurationUnit::kDays;

  int64_t Micros() const { return amount * DurationUnitMicros(unit); }
  bool operator==(const Duration& other) const = default;
};

// What a field path denotes; set by the parser (kProperty inside `where`) and the checker.
enum class FieldScope : uint8_t {
  kUnresolved,  // not checked yet
  kFeature,     // a computed feature: RuleContext::Feature(canonical)
  kDaysSince,   // days from the time feature `canonical` to now (recency_days)
  kTrait,       // traits.<path[1]>...: RuleContext::Trait(path without "traits")
  kProperty,    // an event property inside `where`, or the property of sum/avg/min/max
};

struct Node {
  NodeKind kind = NodeKind::kLiteral;
  // Where the node's text is in the rule (bytes); not compared by operator==.
  uint32_t offset = 0;
  uint32_t length = 0;

  CompareOp op = CompareOp::kEq;
  bool negated = false;
  std::vector<std::string> path;
  Value value;
  std::optional<Duration> duration;
  int sign = -1;  // kNow with a duration: -1 for "now - d", +1 for "now + d"
  AggregateFn fn = AggregateFn::kCount;
  std::string event;
  std::vector<Node> children;

  // Filled in by CheckRule; not compared by operator==.
  FieldScope scope = FieldScope::kUnresolved;
  std::string canonical;

  // Structural equality: kinds, operators, flags, paths, values, durations, names and children;
  // ignores positions and what CheckRule filled in.
  bool operator==(const Node& other) const;

  bool IsCondition() const { return kind <= NodeKind::kTruth; }
  // The signed offset of a kNow node in microseconds (0 without a duration).
  int64_t NowOffsetMicros() const;
};

}  // namespace mercato::analytics::rules

#include "analytics/rules/evaluator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/time_format.h"

namespace mercato::analytics::rules {
namespace {

constexpr double kMicrosPerDayDouble = 86'400.0 * 1'000'000.0;

Truth Not(Truth t) {
  if (t == Truth::kUnknown) return t;
  return t == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
}

Truth FromBool(bool b) { return b ? Truth::kTrue : Truth::kFalse; }

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  if (!__builtin_add_overflow(a, b, &out)) return out;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

// (to - from) in days; exact to the microsecond while the difference is below 2^53 us (285 years).
double DaysBetween(int64_t from, int64_t to) {
  int64_t diff = 0;
  if (!__builtin_sub_overflow(to, from, &diff)) {
    return static_cast<double>(diff) / kMicrosPerDayDouble;
  }
  return (static_cast<double>(to) - static_cast<double>(from)) / kMicrosPerDayDouble;
}

template <typename T>
Truth Order(const T& a, CompareOp op, const T& b) {
  switch (op) {
    case CompareOp::kEq:
      return FromBool(a == b);
    case CompareOp::kNe:
      return FromBool(a != b);
    case CompareOp::kLt:
      return FromBool(a < b);
    case CompareOp::kLe:
      return FromBool(a <= b);
    case CompareOp::kGt:
      return FromBool(a > b);
    case CompareOp::kGe:
      return FromBool(a >= b);
  }
  return Truth::kUnknown;
}

// `value` converted to `type` when the language allows it (a decimal string to a number, an
// ISO-8601 string to a time); nullopt otherwise.
std::optional<Value> Coerce(const Value& value, ValueType type) {
  if (value.type() != ValueType::kString) return std::nullopt;
  if (type == ValueType::kNumber) {
    if (auto number = ParseDecimal(value.string())) return Value::Number(*number);
  } else if (type == ValueType::kTime) {
    auto time = ParseTimestamp(value.string());
    if (time.ok()) return Value::Time(*time);
  }
  return std::nullopt;
}

class Evaluator {
 public:
  Evaluator(const RuleContext* context, int64_t now_us, const boost::json::object* properties)
      : context_(context), now_us_(now_us), properties_(properties) {}

  Result<Truth> Condition(const Node& node) {
    switch (node.kind) {
      case NodeKind::kAnd:
      case NodeKind::kOr: {
        // And: false wins; Or: true wins; unknown when nothing wins and not all agree.
        const Truth winner = node.kind == NodeKind::kAnd ? Truth::kFalse : Truth::kTrue;
        Truth result = Not(winner);
        for (const Node& child : node.children) {
          ASSIGN_OR_RETURN(const Truth t, Condition(child));
          if (t == winner) return winner;
          if (t == Truth::kUnknown) result = Truth::kUnknown;
        }
        return result;
      }
      case NodeKind::kNot: {
        ASSIGN_OR_RETURN(const Truth t, Condition(node.children[0]));
        return Not(t);
      }
      case NodeKind::kCompare: {
        Value a_value;
        Value b_value;
        ASSIGN_OR_RETURN(const Value* a, OperandRef(node.children[0], a_value));
        ASSIGN_OR_RETURN(const Value* b, OperandRef(node.children[1], b_value));
        return CompareValues(*a, node.op, *b);
      }
      case NodeKind::kIn: {
        ASSIGN_OR_RETURN(const Value a, Operand(node.children[0]));
        if (a.is_null()) return Truth::kUnknown;
        bool found = false;
        for (size_t k = 1; k < node.children.size() && !found; ++k) {
          found = CompareValues(a, CompareOp::kEq, node.children[k].value) == Truth::kTrue;
        }
        return node.negated ? FromBool(!found) : FromBool(found);
      }
      case NodeKind::kContains:
      case NodeKind::kStartsWith: {
        ASSIGN_OR_RETURN(const Value a, Operand(node.children[0]));
        const Truth t = TextTest(node.kind, a, node.children[1].value);
        return node.negated ? Not(t) : t;
      }
      case NodeKind::kExists: {
        ASSIGN_OR_RETURN(const Value a, Operand(node.children[0]));
        return FromBool(a.is_null() == node.negated);
      }
      case NodeKind::kTruth: {
        ASSIGN_OR_RETURN(const Value a, Operand(node.children[0]));
        return a.type() == ValueType::kBool ? FromBool(a.boolean()) : Truth::kUnknown;
      }
      default:
        return Truth::kUnknown;
    }
  }

  Result<Value> Operand(const Node& node) {
    switch (node.kind) {
      case NodeKind::kLiteral:
        return node.value;
      case NodeKind::kNow:
        return Value::Time(SaturatingAdd(now_us_, node.NowOffsetMicros()));
      case NodeKind::kField:
        return Field(node);
      case NodeKind::kAggregate:
        return Aggregate(node);
      default:
        return Value();
    }
  }

 private:
  // The operand's value: the literal itself when it is one (not copied), else `storage` filled.
  Result<const Value*> OperandRef(const Node& node, Value& storage) {
    if (node.kind == NodeKind::kLiteral) return &node.value;
    ASSIGN_OR_RETURN(storage, Operand(node));
    return &storage;
  }

  static Truth TextTest(NodeKind kind, const Value& a, const Value& b) {
    if (a.is_null()) return Truth::kUnknown;
    if (kind == NodeKind::kStartsWith) {
      if (a.type() != ValueType::kString || b.type() != ValueType::kString) return Truth::kUnknown;
      return FromBool(a.string().starts_with(b.string()));
    }
    if (a.type() == ValueType::kString && b.type() == ValueType::kString) {
      return FromBool(a.string().find(b.string()) != std::string::npos);
    }
    if (a.type() == ValueType::kList) {
      const bool found = std::any_of(a.list().begin(), a.list().end(), [&](const Value& item) {
        return CompareValues(item, CompareOp::kEq, b) == Truth::kTrue;
      });
      return FromBool(found);
    }
    return Truth::kUnknown;
  }

  Value Field(const Node& node) const {
    switch (node.scope) {
      case FieldScope::kFeature:
        if (context_ == nullptr) return Value();
        return context_->Feature(node.canonical).value_or(Value());
      case FieldScope::kDaysSince: {
        if (context_ == nullptr) return Value();
        const Value base = context_->Feature(node.canonical).value_or(Value());
        if (base.type() != ValueType::kTime) return Value();
        return Value::Number(DaysBetween(base.time(), now_us_));
      }
      case FieldScope::kTrait:
        if (context_ == nullptr || node.path.size() < 2) return Value();
        return context_->Trait(std::span<const std::string>(node.path).subspan(1))
            .value_or(Value());
      case FieldScope::kProperty:
        return LookupJsonPath(properties_, node.path).value_or(Value());
      case FieldScope::kUnresolved:
        break;
    }
    return Value();
  }

  Result<Value> Aggregate(const Node& node) const {
    if (context_ == nullptr) return Value();
    const EventQuery query = EventQuery::Of(node);
    std::optional<int64_t> after;
    if (query.window_us) after = SaturatingAdd(now_us_, -*query.window_us);
    ASSIGN_OR_RETURN(const std::optional<double> result, context_->Aggregate(query, after));
    if (!result) {
      // No events: a count or sum of nothing is 0; an average, minimum or maximum is missing.
      if (node.fn == AggregateFn::kCount || node.fn == AggregateFn::kSum) return Value::Number(0);
      return Value();
    }
    return std::isfinite(*result) ? Value::Number(*result) : Value();
  }

  const RuleContext* context_;
  int64_t now_us_;
  const boost::json::object* properties_;
};

}  // namespace

std::string_view TruthName(Truth truth) {
  switch (truth) {
    case Truth::kFalse:
      return "false";
    case Truth::kTrue:
      return "true";
    case Truth::kUnknown:
      return "unknown";
  }
  return "?";
}

EventQuery EventQuery::Of(const Node& aggregate) {
  EventQuery query;
  query.fn = aggregate.fn;
  query.event = aggregate.event;
  query.property = aggregate.path;
  query.where = aggregate.children.empty() ? nullptr : &aggregate.children[0];
  if (aggregate.duration) query.window_us = aggregate.duration->Micros();
  return query;
}

Truth CompareValues(const Value& a, CompareOp op, const Value& b) {
  if (a.is_null() || b.is_null()) return Truth::kUnknown;
  if (a.type() != b.type()) {
    if (auto coerced = Coerce(a, b.type())) return CompareValues(*coerced, op, b);
    if (auto coerced = Coerce(b, a.type())) return CompareValues(a, op, *coerced);
    if (op == CompareOp::kEq) return Truth::kFalse;
    if (op == CompareOp::kNe) return Truth::kTrue;
    return Truth::kUnknown;
  }
  const bool ordering = op != CompareOp::kEq && op != CompareOp::kNe;
  switch (a.type()) {
    case ValueType::kNumber:
      if (std::isnan(a.number()) || std::isnan(b.number())) return Truth::kUnknown;
      return Order(a.number(), op, b.number());
    case ValueType::kString:
      return Order(a.string(), op, b.string());
    case ValueType::kTime:
      return Order(a.time(), op, b.time());
    case ValueType::kBool:
      return ordering ? Truth::kUnknown : Order(a.boolean(), op, b.boolean());
    case ValueType::kList:
      return ordering ? Truth::kUnknown : FromBool((a == b) == (op == CompareOp::kEq));
    default:
      return Truth::kUnknown;
  }
}

Result<Truth> Evaluate(const Node& root, const RuleContext& context, int64_t now_us) {
  return Evaluator(&context, now_us, nullptr).Condition(root);
}

Result<Value> EvaluateOperand(const Node& operand, const RuleContext& context, int64_t now_us) {
  return Evaluator(&context, now_us, nullptr).Operand(operand);
}

Truth EvaluateEventPredicate(const Node& where, const boost::json::object* properties) {
  // Without a context nothing can fail: event predicates read properties and literals only.
  Result<Truth> result = Evaluator(nullptr, 0, properties).Condition(where);
  return result.ok() ? *result : Truth::kUnknown;
}

bool EventMatches(const EventQuery& query, const EventRecord& event) {
  if (event.name != query.event) return false;
  return query.where == nullptr ||
         EvaluateEventPredicate(*query.where, event.properties) == Truth::kTrue;
}

std::optional<double> NumericValue(const Value& value) {
  if (value.type() == ValueType::kNumber) {
    if (std::isfinite(value.number())) return value.number();
    return std::nullopt;
  }
  if (value.type() == ValueType::kString) return ParseDecimal(value.string());
  return std::nullopt;
}

std::optional<double> AggregateEvents(const EventQuery& query, std::optional<int64_t> after_us,
                                      std::span<const EventRecord> events) {
  double count = 0;
  double sum = 0;
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  for (const EventRecord& event : events) {
    if (after_us && event.time_us <= *after_us) continue;
    if (!EventMatches(query, event)) continue;
    if (query.fn == AggregateFn::kCount) {
      ++count;
      continue;
    }
    const std::optional<Value> value = LookupJsonPath(event.properties, query.property);
    const std::optional<double> number = value ? NumericValue(*value) : std::nullopt;
    if (!number) continue;
    ++count;
    sum += *number;
    low = std::min(low, *number);
    high = std::max(high, *number);
  }
  switch (query.fn) {
    case AggregateFn::kCount:
      return count;
    case AggregateFn::kSum:
      return sum;
    case AggregateFn::kAvg:
      if (count == 0) return std::nullopt;
      return sum / count;
    case AggregateFn::kMin:
      if (count == 0) return std::nullopt;
      return low;
    case AggregateFn::kMax:
      if (count == 0) return std::nullopt;
      return high;
  }
  return std::nullopt;
}

std::optional<int64_t> OldestMatchingEvent(const EventQuery& query, std::optional<int64_t> after_us,
                                           std::span<const EventRecord> events) {
  std::optional<int64_t> oldest;
  for (const EventRecord& event : events) {
    if (after_us && event.time_us <= *after_us) continue;
    if (!EventMatches(query, event)) continue;
    if (!oldest || event.time_us < *oldest) oldest = event.time_us;
  }
  return oldest;
}

}  // namespace mercato::analytics::rules

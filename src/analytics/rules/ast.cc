#include "analytics/rules/ast.h"

namespace mercato::analytics::rules {

std::string_view CompareOpText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "?";
}

std::string_view AggregateFnName(AggregateFn fn) {
  switch (fn) {
    case AggregateFn::kCount:
      return "count";
    case AggregateFn::kSum:
      return "sum";
    case AggregateFn::kAvg:
      return "avg";
    case AggregateFn::kMin:
      return "min";
    case AggregateFn::kMax:
      return "max";
  }
  return "?";
}

char DurationUnitSuffix(DurationUnit unit) {
  switch (unit) {
    case DurationUnit::kSeconds:
      return 's';
    case DurationUnit::kMinutes:
      return 'm';
    case DurationUnit::kHours:
      return 'h';
    case DurationUnit::kDays:
      return 'd';
    case DurationUnit::kWeeks:
      return 'w';
  }
  return '?';
}

int64_t DurationUnitMicros(DurationUnit unit) {
  constexpr int64_t kSecond = 1'000'000;
  switch (unit) {
    case DurationUnit::kSeconds:
      return kSecond;
    case DurationUnit::kMinutes:
      return int64_t{60} * kSecond;
    case DurationUnit::kHours:
      return int64_t{3600} * kSecond;
    case DurationUnit::kDays:
      return int64_t{86'400} * kSecond;
    case DurationUnit::kWeeks:
      return int64_t{7} * 86'400 * kSecond;
  }
  return kSecond;
}

bool Node::operator==(const Node& other) const {
  if (kind != other.kind || children.size() != other.children.size()) return false;
  switch (kind) {
    case NodeKind::kCompare:
      if (op != other.op) return false;
      break;
    case NodeKind::kIn:
    case NodeKind::kContains:
    case NodeKind::kStartsWith:
    case NodeKind::kExists:
      if (negated != other.negated) return false;
      break;
    case NodeKind::kField:
      if (path != other.path) return false;
      break;
    case NodeKind::kLiteral:
      if (!(value == other.value)) return false;
      break;
    case NodeKind::kNow:
      if (duration != other.duration || (duration && sign != other.sign)) return false;
      break;
    case NodeKind::kAggregate:
      if (fn != other.fn || event != other.event || path != other.path ||
          duration != other.duration) {
        return false;
      }
      break;
    default:
      break;
  }
  for (size_t k = 0; k < children.size(); ++k) {
    if (!(children[k] == other.children[k])) return false;
  }
  return true;
}

int64_t Node::NowOffsetMicros() const {
  if (kind != NodeKind::kNow || !duration) return 0;
  return sign * duration->Micros();
}

}  // namespace mercato::analytics::rules

#include "analytics/rules/checker.h"

#include <optional>
#include <string>
#include <utility>

#include "core/time_format.h"

namespace mercato::analytics::rules {
namespace {

std::string JoinPath(const std::vector<std::string>& path) {
  std::string out;
  for (size_t k = 0; k < path.size(); ++k) {
    if (k > 0) out += '.';
    out += path[k];
  }
  return out;
}

FieldType LiteralType(const Value& value) {
  switch (value.type()) {
    case ValueType::kBool:
      return FieldType::kBool;
    case ValueType::kString:
      return FieldType::kString;
    default:
      return FieldType::kNumber;
  }
}

class Checker {
 public:
  Checker(std::string_view text, const Schema& schema) : text_(text), schema_(schema) {}

  bool Condition(Node& node, bool event_scope) {
    switch (node.kind) {
      case NodeKind::kAnd:
      case NodeKind::kOr:
      case NodeKind::kNot:
        for (Node& child : node.children) {
          if (!Condition(child, event_scope)) return false;
        }
        return true;
      case NodeKind::kCompare:
        return Compare(node, event_scope);
      case NodeKind::kIn:
        return In(node, event_scope);
      case NodeKind::kContains:
      case NodeKind::kStartsWith:
        return Text(node, event_scope);
      case NodeKind::kExists: {
        Node& operand = node.children[0];
        if (!Operand(operand, event_scope)) return false;
        if (operand.kind != NodeKind::kField) return FailAt(operand, "a field");
        return true;
      }
      case NodeKind::kTruth: {
        Node& operand = node.children[0];
        if (!Operand(operand, event_scope)) return false;
        const FieldType type = type_;
        if (type != FieldType::kBool && type != FieldType::kDynamic) {
          return FailAt(operand, "a boolean or a comparison");
        }
        return true;
      }
      default:
        return FailAt(node, "a condition");
    }
  }

  const RuleError& error() const { return error_; }

 private:
  // Fails at `node`, describing it with its text and the type last computed for it.
  bool FailAt(const Node& node, std::string expected, std::string hint = {}) {
    return FailWith(node, std::move(expected), Found(node), std::move(hint));
  }

  bool FailWith(const Node& node, std::string expected, std::string found, std::string hint) {
    error_ =
        MakeRuleError(text_, node.offset, std::move(expected), std::move(found), std::move(hint));
    return false;
  }

  std::string Found(const Node& node) const {
    std::string found = QuoteFound(text_.substr(node.offset, node.length));
    if (node.kind != NodeKind::kField || node.scope != FieldScope::kUnresolved) {
      found += " (";
      found += FieldTypeDescription(TypeOf(node));
      found += ")";
    }
    return found;
  }

  // The static type of a checked operand.
  FieldType TypeOf(const Node& node) const {
    switch (node.kind) {
      case NodeKind::kLiteral:
        return LiteralType(node.value);
      case NodeKind::kNow:
        return FieldType::kTime;
      case NodeKind::kAggregate:
        return FieldType::kNumber;
      case NodeKind::kField:
        if (node.scope == FieldScope::kFeature) {
          const FieldSpec* spec = schema_.Find(node.canonical);
          return spec != nullptr ? spec->type : FieldType::kDynamic;
        }
        if (node.scope == FieldScope::kDaysSince) return FieldType::kNumber;
        return FieldType::kDynamic;
      default:
        return FieldType::kBool;
    }
  }

  // Checks an operand and leaves its type in type_.
  bool Operand(Node& node, bool event_scope) {
    if (node.kind == NodeKind::kField) {
      if (!Field(node, event_scope)) return false;
    } else if (node.kind == NodeKind::kAggregate) {
      if (!node.children.empty() && !Condition(node.children[0], true)) return false;
    } else if (node.kind != NodeKind::kLiteral && node.kind != NodeKind::kNow) {
      return FailAt(node, "a value");
    }
    type_ = TypeOf(node);
    return true;
  }

  bool Field(Node& node, bool event_scope) {
    if (event_scope) {
      node.scope = FieldScope::kProperty;
      return true;
    }
    if (node.path.empty()) return FailAt(node, "a field");
    if (node.path[0] == "traits") {
      if (node.path.size() < 2) {
        return FailWith(node, "a trait name after 'traits.'", Found(node), {});
      }
      node.scope = FieldScope::kTrait;
      return true;
    }
    const std::string name = JoinPath(node.path);
    const FieldSpec* spec = schema_.Find(name);
    if (spec == nullptr) {
      const std::optional<std::string> near = schema_.Suggest(name);
      const std::string suggestion = near ? *near : "traits." + name;
      return FailWith(node, "a known field", Found(node), "did you mean '" + suggestion + "'?");
    }
    if (!spec->days_since.empty()) {
      node.scope = FieldScope::kDaysSince;
      node.canonical = spec->days_since;
    } else {
      node.scope = FieldScope::kFeature;
      node.canonical = spec->name;
    }
    return true;
  }

  bool Compare(Node& node, bool event_scope) {
    Node& lhs = node.children[0];
    Node& rhs = node.children[1];
    if (!Operand(lhs, event_scope)) return false;
    const FieldType left = type_;
    if (!Operand(rhs, event_scope)) return false;
    const FieldType right = type_;
    const bool ordering = node.op != CompareOp::kEq && node.op != CompareOp::kNe;
    for (const Node* side : {&lhs, &rhs}) {
      if (ordering && TypeOf(*side) == FieldType::kBool) {
        return FailAt(*side, "a number, string or time (booleans take '=' or '!=')");
      }
    }
    if (left == right || left == FieldType::kDynamic || right == FieldType::kDynamic) return true;
    // A time against an ISO-8601 string literal.
    for (const auto& [time_side, other] : {std::pair{&lhs, &rhs}, std::pair{&rhs, &lhs}}) {
      if (TypeOf(*time_side) != FieldType::kTime || other->kind != NodeKind::kLiteral ||
          other->value.type() != ValueType::kString) {
        continue;
      }
      if (!ParseTimestamp(other->value.string()).ok()) {
        return FailAt(*other, "an ISO-8601 time such as \"2024-05-01\"");
      }
      return true;
    }
    std::string expected(FieldTypeDescription(left));
    if (left == FieldType::kTime) expected += " (a time field, now - 30d or an ISO-8601 string)";
    return FailAt(rhs, std::move(expected));
  }

  bool In(Node& node, bool event_scope) {
    Node& lhs = node.children[0];
    if (!Operand(lhs, event_scope)) return false;
    const FieldType left = type_;
    if (left == FieldType::kTime) {
      return FailAt(lhs, "a number, string, boolean, trait or property before 'in'");
    }
    for (size_t k = 1; k < node.children.size(); ++k) {
      const Node& item = node.children[k];
      if (left != FieldType::kDynamic && LiteralType(item.value) != left) {
        return FailAt(item, std::string(FieldTypeDescription(left)));
      }
    }
    return true;
  }

  bool Text(Node& node, bool event_scope) {
    Node& lhs = node.children[0];
    const std::string_view op = node.kind == NodeKind::kContains ? "contains" : "starts with";
    if (!Operand(lhs, event_scope)) return false;
    const FieldType left = type_;
    if (left != FieldType::kString && left != FieldType::kDynamic) {
      return FailAt(lhs, "a string, trait or property before '" + std::string(op) + "'");
    }
    const Node& item = node.children[1];
    if (left == FieldType::kString && item.value.type() != ValueType::kString) {
      return FailAt(item, "a string");
    }
    return true;
  }

  std::string_view text_;
  const Schema& schema_;
  FieldType type_ = FieldType::kDynamic;
  RuleError error_;
};

}  // namespace

Status CheckRule(std::string_view text, Node& root, const Schema& schema, RuleError* error) {
  Checker checker(text, schema);
  if (checker.Condition(root, false)) return Status::Ok();
  if (error != nullptr) *error = checker.error();
  return checker.error().ToStatus();
}

}  // namespace mercato::analytics::rules

#include "analytics/rules/parser.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analytics/rules/lexer.h"

namespace mercato::analytics::rules {
namespace {

// Where the parser is: profile conditions, or the event predicate of an aggregate's `where`.
enum class Scope : uint8_t { kProfile, kEvent };

class Parser {
 public:
  Parser(std::string_view text, const ParseLimits& limits)
      : text_(text), limits_(limits), lexer_(text) {}

  bool Run(Node& out) {
    if (!Advance()) return false;
    if (!ParseOr(out, Scope::kProfile)) return false;
    if (cur_.kind != TokenKind::kEnd) return Fail(Continuation({"end of input"}));
    return true;
  }

  const RuleError& error() const { return error_; }

 private:
  bool Advance() {
    prev_end_ = cur_.offset + cur_.length;
    return lexer_.Next(cur_, error_);
  }

  std::string Describe(const Token& token) const {
    if (token.kind == TokenKind::kEnd) return "end of input";
    return QuoteFound(text_.substr(token.offset, token.length));
  }

  // Fails at the current token.
  bool Fail(std::string expected, std::string hint = {}) {
    error_ =
        MakeRuleError(text_, cur_.offset, std::move(expected), Describe(cur_), std::move(hint));
    return false;
  }

  // What may follow a complete condition: "'and', 'or' or <closers>", with "an operator" first
  // when the condition just read was a bare operand (which an operator could have continued).
  std::string Continuation(std::initializer_list<std::string_view> closers) const {
    std::vector<std::string_view> items;
    if (bare_end_ == prev_end_) items.emplace_back("an operator");
    items.emplace_back("'and'");
    items.emplace_back("'or'");
    items.insert(items.end(), closers.begin(), closers.end());
    std::string out;
    for (size_t k = 0; k < items.size(); ++k) {
      if (k > 0) out += k + 1 == items.size() ? " or " : ", ";
      out += items[k];
    }
    return out;
  }

  bool Enter() {
    if (++depth_ > limits_.max_depth) {
      return Fail("at most " + std::to_string(limits_.max_depth) + " levels of nesting");
    }
    return true;
  }

  static void SetSpan(Node& node, size_t begin, size_t end) {
    node.offset = static_cast<uint32_t>(begin);
    node.length = static_cast<uint32_t>(end - begin);
  }

  static void Append(Node& parent, Node child) {
    if (child.kind == parent.kind) {
      for (Node& grandchild : child.children) parent.children.push_back(std::move(grandchild));
    } else {
      parent.children.push_back(std::move(child));
    }
  }

  bool ParseOr(Node& out, Scope scope) {
    Node first;
    if (!ParseAnd(first, scope)) return false;
    if (!cur_.Is("or")) {
      out = std::move(first);
      return true;
    }
    Node node;
    node.kind = NodeKind::kOr;
    const size_t begin = first.offset;
    Append(node, std::move(first));
    while (cur_.Is("or")) {
      if (!Advance()) return false;
      Node next;
      if (!ParseAnd(next, scope)) return false;
      Append(node, std::move(next));
    }
    SetSpan(node, begin, prev_end_);
    out = std::move(node);
    return true;
  }

  bool ParseAnd(Node& out, Scope scope) {
    Node first;
    if (!ParseNot(first, scope)) return false;
    if (!cur_.Is("and")) {
      out = std::move(first);
      return true;
    }
    Node node;
    node.kind = NodeKind::kAnd;
    const size_t begin = first.offset;
    Append(node, std::move(first));
    while (cur_.Is("and")) {
      if (!Advance()) return false;
      Node next;
      if (!ParseNot(next, scope)) return false;
      Append(node, std::move(next));
    }
    SetSpan(node, begin, prev_end_);
    out = std::move(node);
    return true;
  }

  bool ParseNot(Node& out, Scope scope) {
    if (!cur_.Is("not")) return ParsePrimary(out, scope);
    const size_t begin = cur_.offset;
    if (!Enter() || !Advance()) return false;
    Node child;
    if (!ParseNot(child, scope)) return false;
    --depth_;
    out = Node();
    out.kind = NodeKind::kNot;
    out.children.push_back(std::move(child));
    SetSpan(out, begin, prev_end_);
    return true;
  }

  bool ParsePrimary(Node& out, Scope scope) {
    if (cur_.kind != TokenKind::kLParen) return ParseTest(out, scope);
    if (!Enter() || !Advance()) return false;
    if (!ParseOr(out, scope)) return false;
    if (cur_.kind != TokenKind::kRParen) return Fail(Continuation({"')'"}));
    if (!Advance()) return false;
    --depth_;
    return true;
  }

  bool ParseTest(Node& out, Scope scope) {
    Node lhs;
    if (!ParseOperand(lhs, scope, "a condition")) return false;
    const size_t begin = lhs.offset;
    Node node;
    std::optional<CompareOp> op;
    switch (cur_.kind) {
      case TokenKind::kEq:
        op = CompareOp::kEq;
        break;
      case TokenKind::kNe:
        op = CompareOp::kNe;
        break;
      case TokenKind::kLt:
        op = CompareOp::kLt;
        break;
      case TokenKind::kLe:
        op = CompareOp::kLe;
        break;
      case TokenKind::kGt:
        op = CompareOp::kGt;
        break;
      case TokenKind::kGe:
        op = CompareOp::kGe;
        break;
      default:
        break;
    }
    if (op) {
      if (!Advance()) return false;
      Node rhs;
      if (!ParseOperand(rhs, scope, "a value")) return false;
      node.kind = NodeKind::kCompare;
      node.op = *op;
      node.children.push_back(std::move(lhs));
      node.children.push_back(std::move(rhs));
    } else if (cur_.Is("exists")) {
      if (!Advance()) return false;
      node.kind = NodeKind::kExists;
      node.children.push_back(std::move(lhs));
    } else if (cur_.Is("is")) {
      if (!Advance()) return false;
      node.kind = NodeKind::kExists;
      if (cur_.Is("not")) {
        if (!Advance()) return false;
        if (!cur_.Is("null")) return Fail("'null'");
      } else if (cur_.Is("null")) {
        node.negated = true;
      } else {
        return Fail("'null' or 'not null'");
      }
      if (!Advance()) return false;
      node.children.push_back(std::move(lhs));
    } else if (cur_.Is("not") || cur_.Is("in") || cur_.Is("contains") || cur_.Is("starts") ||
               cur_.Is("startswith")) {
      if (cur_.Is("not")) {
        node.negated = true;
        if (!Advance()) return false;
        if (!cur_.Is("in") && !cur_.Is("contains") && !cur_.Is("starts") &&
            !cur_.Is("startswith")) {
          return Fail("'in', 'contains' or 'starts with'");
        }
      }
      node.children.push_back(std::move(lhs));
      if (!ParseMembership(node)) return false;
    } else if (lhs.kind == NodeKind::kField ||
               (lhs.kind == NodeKind::kLiteral && lhs.value.type() == ValueType::kBool)) {
      node.kind = NodeKind::kTruth;
      node.children.push_back(std::move(lhs));
      bare_end_ = prev_end_;
    } else {
      return Fail("an operator");
    }
    SetSpan(node, begin, prev_end_);
    out = std::move(node);
    return true;
  }

  // `in (...)`, `contains x`, `starts with "x"` after the operand (and `not`), in `node`.
  bool ParseMembership(Node& node) {
    if (cur_.Is("in")) {
      node.kind = NodeKind::kIn;
      if (!Advance()) return false;
      if (cur_.kind != TokenKind::kLParen) return Fail("'('");
      if (!Advance()) return false;
      while (true) {
        if (node.children.size() > limits_.max_list_items) {
          return Fail("at most " + std::to_string(limits_.max_list_items) + " list items");
        }
        Node item;
        if (!ParseLiteral(item, "a number, string or boolean")) return false;
        node.children.push_back(std::move(item));
        if (cur_.kind == TokenKind::kRParen) break;
        if (cur_.kind != TokenKind::kComma) return Fail("',' or ')'");
        if (!Advance()) return false;
      }
      return Advance();
    }
    if (cur_.Is("contains")) {
      node.kind = NodeKind::kContains;
      if (!Advance()) return false;
      Node item;
      if (!ParseLiteral(item, "a number, string or boolean")) return false;
      node.children.push_back(std::move(item));
      return true;
    }
    node.kind = NodeKind::kStartsWith;
    if (cur_.Is("starts")) {
      if (!Advance()) return false;
      if (!cur_.Is("with")) return Fail("'with'");
    }
    if (!Advance()) return false;
    if (cur_.kind != TokenKind::kString) return Fail("a string");
    Node item;
    if (!ParseLiteral(item, "a string")) return false;
    node.children.push_back(std::move(item));
    return true;
  }

  bool ParseLiteral(Node& out, std::string_view expected) {
    out = Node();
    out.kind = NodeKind::kLiteral;
    const size_t begin = cur_.offset;
    if (cur_.kind == TokenKind::kNumber) {
      out.value = Value::Number(cur_.number);
    } else if (cur_.kind == TokenKind::kMinus) {
      if (!Advance()) return false;
      if (cur_.kind != TokenKind::kNumber) return Fail("a number after '-'");
      out.value = Value::Number(-cur_.number);
    } else if (cur_.kind == TokenKind::kString) {
      out.value = Value::String(cur_.text);
    } else if (cur_.Is("true") || cur_.Is("false")) {
      out.value = Value::Bool(cur_.Is("true"));
    } else if (cur_.Is("null")) {
      return Fail(std::string(expected), "test for a missing value with 'is null'");
    } else {
      return Fail(std::string(expected));
    }
    if (!Advance()) return false;
    SetSpan(out, begin, prev_end_);
    return true;
  }

  bool ParseOperand(Node& out, Scope scope, std::string_view expected) {
    if (cur_.kind == TokenKind::kWord && !cur_.IsKeyword()) {
      out = Node();
      out.kind = NodeKind::kField;
      out.path = cur_.path;
      if (scope == Scope::kEvent) out.scope = FieldScope::kProperty;
      SetSpan(out, cur_.offset, cur_.offset + cur_.length);
      return Advance();
    }
    const bool aggregate =
        cur_.Is("count") || cur_.Is("sum") || cur_.Is("avg") || cur_.Is("min") || cur_.Is("max");
    if (aggregate || cur_.Is("now")) {
      if (scope == Scope::kEvent) return Fail("an event property or a literal");
      return aggregate ? ParseAggregate(out) : ParseNow(out);
    }
    return ParseLiteral(out, expected);
  }

  bool ParseNow(Node& out) {
    out = Node();
    out.kind = NodeKind::kNow;
    const size_t begin = cur_.offset;
    if (!Advance()) return false;
    if (cur_.kind == TokenKind::kMinus || cur_.kind == TokenKind::kPlus) {
      out.sign = cur_.kind == TokenKind::kMinus ? -1 : 1;
      if (!Advance()) return false;
      if (cur_.kind != TokenKind::kDuration) return Fail("a duration (e.g. 30d)");
      out.duration = cur_.duration;
      if (!Advance()) return false;
    }
    SetSpan(out, begin, prev_end_);
    return true;
  }

  bool ParseAggregate(Node& out) {
    out = Node();
    out.kind = NodeKind::kAggregate;
    const size_t begin = cur_.offset;
    if (++aggregates_ > limits_.max_aggregates) {
      return Fail("at most " + std::to_string(limits_.max_aggregates) + " event aggregates");
    }
    for (AggregateFn fn : {AggregateFn::kCount, AggregateFn::kSum, AggregateFn::kAvg,
                           AggregateFn::kMin, AggregateFn::kMax}) {
      if (cur_.Is(AggregateFnName(fn))) out.fn = fn;
    }
    if (!Advance()) return false;
    if (cur_.kind != TokenKind::kLParen) return Fail("'('");
    if (!Advance()) return false;
    if (!cur_.Is("event")) return Fail("'event'");
    if (!Advance()) return false;
    if (cur_.kind != TokenKind::kString) return Fail("the event name in double quotes");
    if (cur_.text.empty()) return Fail("a non-empty event name");
    out.event = cur_.text;
    if (!Advance()) return false;
    if (out.fn != AggregateFn::kCount) {
      if (cur_.kind != TokenKind::kComma) return Fail("',' and the property to aggregate");
      if (!Advance()) return false;
      if (cur_.kind != TokenKind::kWord || cur_.IsKeyword()) return Fail("an event property");
      out.path = cur_.path;
      out.scope = FieldScope::kProperty;
      if (!Advance()) return false;
    }
    std::string closer = "'where', 'within' or ')'";
    if (cur_.Is("where")) {
      if (!Enter() || !Advance()) return false;
      Node where;
      if (!ParseOr(where, Scope::kEvent)) return false;
      --depth_;
      out.children.push_back(std::move(where));
      closer = Continuation({"'within'", "')'"});
    }
    if (cur_.Is("within")) {
      if (!Advance()) return false;
      if (cur_.kind != TokenKind::kDuration) return Fail("a duration (e.g. 7d)");
      out.duration = cur_.duration;
      if (!Advance()) return false;
      closer = "')'";
    }
    if (cur_.kind != TokenKind::kRParen) return Fail(closer);
    if (!Advance()) return false;
    SetSpan(out, begin, prev_end_);
    return true;
  }

  std::string_view text_;
  const ParseLimits& limits_;
  Lexer lexer_;
  Token cur_;
  RuleError error_;
  size_t prev_end_ = 0;
  size_t bare_end_ = static_cast<size_t>(-1);  // end of the last bare-operand condition
  size_t depth_ = 0;
  size_t aggregates_ = 0;
};

}  // namespace

Result<Node> ParseRule(std::string_view text, const ParseLimits& limits, RuleError* error) {
  RuleError failure;
  Node root;
  bool ok = false;
  if (text.size() > limits.max_rule_bytes) {
    failure = MakeRuleError(text, limits.max_rule_bytes,
                            "a rule of at most " + std::to_string(limits.max_rule_bytes) + " bytes",
                            std::to_string(text.size()) + " bytes");
  } else {
    Parser parser(text, limits);
    ok = parser.Run(root);
    if (!ok) failure = parser.error();
  }
  if (ok) return root;
  if (error != nullptr) *error = failure;
  return failure.ToStatus();
}

}  // namespace mercato::analytics::rules

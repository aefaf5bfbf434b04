#include "analytics/rules/printer.h"

#include <charconv>
#include <cstdio>

#include "analytics/rules/lexer.h"

namespace mercato::analytics::rules {
namespace {

void PrintNode(const Node& node, std::string& out);

void PrintString(std::string_view text, std::string& out) {
  out += '"';
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04X", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void PrintPath(const std::vector<std::string>& path, std::string& out) {
  for (size_t k = 0; k < path.size(); ++k) {
    if (k > 0) out += '.';
    // A one-segment path that reads as a keyword needs backticks too.
    if (IsPlainName(path[k]) && !(path.size() == 1 && IsKeyword(path[k]))) {
      out += path[k];
    } else {
      out += '`';
      out += path[k];
      out += '`';
    }
  }
}

void PrintDuration(const Duration& duration, std::string& out) {
  out += std::to_string(duration.amount);
  out += DurationUnitSuffix(duration.unit);
}

void PrintValue(const Value& value, std::string& out) {
  switch (value.type()) {
    case ValueType::kBool:
      out += value.boolean() ? "true" : "false";
      break;
    case ValueType::kNumber: {
      char buf[32];
      const auto result = std::to_chars(buf, buf + sizeof(buf), value.number());
      out.append(buf, result.ptr);
      break;
    }
    case ValueType::kString:
      PrintString(value.string(), out);
      break;
    default:
      // Not produced by the parser; printed so that the output shows the problem.
      out += "null";
  }
}

// A child of And/Or/Not in parentheses when its own operator binds less tightly (or equally, for
// And in And and Or in Or, which the parser flattens).
void PrintChild(const Node& child, NodeKind parent, std::string& out) {
  const bool parens =
      (child.kind == NodeKind::kOr) || (child.kind == NodeKind::kAnd && parent != NodeKind::kOr);
  if (parens) out += '(';
  PrintNode(child, out);
  if (parens) out += ')';
}

void PrintNode(const Node& node, std::string& out) {
  switch (node.kind) {
    case NodeKind::kAnd:
    case NodeKind::kOr:
      for (size_t k = 0; k < node.children.size(); ++k) {
        if (k > 0) out += node.kind == NodeKind::kAnd ? " and " : " or ";
        PrintChild(node.children[k], node.kind, out);
      }
      return;
    case NodeKind::kNot:
      out += "not ";
      if (!node.children.empty()) PrintChild(node.children[0], node.kind, out);
      return;
    default:
      break;
  }
  if (node.IsCondition() && node.children.empty()) return;  // malformed; nothing to print
  switch (node.kind) {
    case NodeKind::kCompare:
      PrintNode(node.children[0], out);
      out += ' ';
      out += CompareOpText(node.op);
      out += ' ';
      if (node.children.size() > 1) PrintNode(node.children[1], out);
      return;
    case NodeKind::kIn:
      PrintNode(node.children[0], out);
      out += node.negated ? " not in (" : " in (";
      for (size_t k = 1; k < node.children.size(); ++k) {
        if (k > 1) out += ", ";
        PrintNode(node.children[k], out);
      }
      out += ')';
      return;
    case NodeKind::kContains:
    case NodeKind::kStartsWith:
      PrintNode(node.children[0], out);
      out += node.negated ? " not" : "";
      out += node.kind == NodeKind::kContains ? " contains " : " starts with ";
      if (node.children.size() > 1) PrintNode(node.children[1], out);
      return;
    case NodeKind::kExists:
      PrintNode(node.children[0], out);
      out += node.negated ? " is null" : " exists";
      return;
    case NodeKind::kTruth:
      PrintNode(node.children[0], out);
      return;
    case NodeKind::kField:
      PrintPath(node.path, out);
      return;
    case NodeKind::kLiteral:
      PrintValue(node.value, out);
      return;
    case NodeKind::kNow:
      out += "now";
      if (node.duration) {
        out += node.sign < 0 ? " - " : " + ";
        PrintDuration(*node.duration, out);
      }
      return;
    case NodeKind::kAggregate:
      out += AggregateFnName(node.fn);
      out += "(event ";
      PrintString(node.event, out);
      if (node.fn != AggregateFn::kCount) {
        out += ", ";
        PrintPath(node.path, out);
      }
      if (!node.children.empty()) {
        out += " where ";
        PrintNode(node.children[0], out);
      }
      if (node.duration) {
        out += " within ";
        PrintDuration(*node.duration, out);
      }
      out += ')';
      return;
    default:
      return;
  }
}

}  // namespace

std::string PrintRule(const Node& node) {
  std::string out;
  PrintNode(node, out);
  return out;
}

}  // namespace mercato::analytics::rules

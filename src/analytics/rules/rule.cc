#include "analytics/rules/rule.h"

#include <utility>

#include "analytics/rules/checker.h"
#include "analytics/rules/printer.h"

namespace mercato::analytics::rules {
namespace {

void CollectQueries(const Node& node, std::vector<EventQuery>& out) {
  if (node.kind == NodeKind::kAggregate) {
    out.push_back(EventQuery::Of(node));
    return;
  }
  for (const Node& child : node.children) CollectQueries(child, out);
}

}  // namespace

Result<Rule> Rule::Compile(std::string_view text, const Schema& schema, const ParseLimits& limits,
                           RuleError* error) {
  ASSIGN_OR_RETURN(Node root, ParseRule(text, limits, error));
  RETURN_IF_ERROR(CheckRule(text, root, schema, error));
  Rule rule;
  auto shared = std::make_shared<Node>(std::move(root));
  rule.canonical_text_ = PrintRule(*shared);
  rule.dependencies_ = AnalyzeDependencies(*shared, schema);
  CollectQueries(*shared, rule.event_queries_);
  rule.root_ = std::move(shared);
  return rule;
}

Result<Truth> Evaluate(const Rule& rule, const RuleContext& context, int64_t now_us) {
  return Evaluate(rule.root(), context, now_us);
}

Result<bool> Matches(const Rule& rule, const RuleContext& context, int64_t now_us) {
  ASSIGN_OR_RETURN(const Truth truth, Evaluate(rule.root(), context, now_us));
  return truth == Truth::kTrue;
}

}  // namespace mercato::analytics::rules

#pragma once
// Rule: a compiled segment rule — parsed, checked against a Schema, with its canonical text,
// dependencies and event aggregates — ready to evaluate for any number of customers.
//
//   ASSIGN_OR_RETURN(Rule rule, Rule::Compile("orders >= 3 and churn_probability > 0.6"));
//   ASSIGN_OR_RETURN(bool member, Matches(rule, context, clock.NowMicros()));
//
// Thread safety: immutable once compiled; share it between threads freely. Copies share the tree.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/rules/ast.h"
#include "analytics/rules/dependencies.h"
#include "analytics/rules/evaluator.h"
#include "analytics/rules/parser.h"
#include "analytics/rules/rule_error.h"
#include "analytics/rules/schema.h"
#include "core/status.h"

namespace mercato::analytics::rules {

class Rule {
 public:
  // Parses and checks `text`. InvalidArgument with RuleError::ToString() of the first error
  // (syntax first, then fields and types), and `*error` filled when given.
  static Result<Rule> Compile(std::string_view text, const Schema& schema = Schema::Default(),
                              const ParseLimits& limits = {}, RuleError* error = nullptr);

  // The checked tree; its positions refer to the text given to Compile.
  const Node& root() const { return *root_; }
  // The canonical text (PrintRule): what to store; compiles to an equal tree.
  const std::string& canonical_text() const { return canonical_text_; }
  const RuleDependencies& dependencies() const { return dependencies_; }
  // The rule's event aggregates in text order; they point into this rule's tree (valid while any
  // copy of the rule lives).
  const std::vector<EventQuery>& event_queries() const { return event_queries_; }

 private:
  std::shared_ptr<const Node> root_;
  std::string canonical_text_;
  RuleDependencies dependencies_;
  std::vector<EventQuery> event_queries_;
};

// Evaluate(rule.root(), ...) (evaluator.h).
Result<Truth> Evaluate(const Rule& rule, const RuleContext& context, int64_t now_us);
// Whether the customer is a member: the rule is true (not false, not unknown).
Result<bool> Matches(const Rule& rule, const RuleContext& context, int64_t now_us);

}  // namespace mercato::analytics::rules

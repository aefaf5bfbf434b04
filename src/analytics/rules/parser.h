#pragma once
// ParseRule: rule text -> syntax tree (ast.h), by recursive descent over the grammar in
// docs/segments.md. Syntax only: whether fields exist and types agree is CheckRule's job
// (checker.h); Rule::Compile (rule.h) does both.
//
// Thread safety: pure functions.

#include <cstddef>
#include <string_view>

#include "analytics/rules/ast.h"
#include "analytics/rules/rule_error.h"
#include "core/status.h"

namespace mercato::analytics::rules {

struct ParseLimits {
  size_t max_rule_bytes = 4096;
  // Levels of '(' , 'not' and aggregate 'where' clauses inside one another.
  size_t max_depth = 16;
  size_t max_list_items = 256;  // literals in one `in (...)`
  size_t max_aggregates = 16;   // count(...), sum(...), ... in one rule
};

// The tree of `text`. On failure returns InvalidArgument whose message is RuleError::ToString()
// of the first error in text order, and fills `*error` when given: the position (always within
// the text: offset <= text.size()), what was expected and what was found. A rule longer than
// max_rule_bytes fails at offset max_rule_bytes without being read.
Result<Node> ParseRule(std::string_view text, const ParseLimits& limits = {},
                       RuleError* error = nullptr);

}  // namespace mercato::analytics::rules

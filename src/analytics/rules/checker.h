#pragma once
// CheckRule: resolves the fields of a parsed rule against a Schema and checks that the types of
// every comparison agree (docs/segments.md, "Types"). On success it fills in each field node's
// `scope` and `canonical` (ast.h), which evaluation and dependency analysis rely on.
//
// Thread safety: pure functions (the tree is modified only through the argument).

#include <string_view>

#include "analytics/rules/ast.h"
#include "analytics/rules/rule_error.h"
#include "analytics/rules/schema.h"
#include "core/status.h"

namespace mercato::analytics::rules {

// `root` must come from ParseRule(text). Ok, or InvalidArgument with RuleError::ToString() of the
// first problem in tree order (and `*error` filled when given), e.g.
//   at 1:1 (offset 0): expected a known field, found 'order'; did you mean 'orders'?
//   at 1:17 (offset 16): expected a time, found '3' (a number)
Status CheckRule(std::string_view text, Node& root, const Schema& schema,
                 RuleError* error = nullptr);

}  // namespace mercato::analytics::rules

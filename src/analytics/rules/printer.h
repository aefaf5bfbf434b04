#pragma once
// PrintRule: the canonical text of a rule, for storage and display. Keywords in lower case, one
// space between tokens, parentheses only where precedence needs them, numbers in shortest
// round-trip form, strings with JSON escapes, names in backticks only when they must be.
// For every tree ParseRule returns, ParseRule(PrintRule(tree)) == tree.
//
//   orders >= 3 and (country = "PL" or not traits.vip)
//   count(event "Product Viewed" where category = "shoes" within 7d) >= 2
//
// Thread safety: pure functions.

#include <string>

#include "analytics/rules/ast.h"

namespace mercato::analytics::rules {

std::string PrintRule(const Node& node);

}  // namespace mercato::analytics::rules

#pragma once
// RuleError: where a rule is wrong and what was expected there, for people (ToString, the
// message of the InvalidArgument status) and for the API (the fields, as JSON).
//
//   at 1:17 (offset 16): expected a value, found 'and'
//   at 1:1 (offset 0): expected a known field, found 'order'; did you mean 'orders'?
//
// Thread safety: plain values and pure functions.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato::analytics::rules {

struct RuleError {
  size_t offset = 0;     // bytes from the start of the rule; at most the rule's length
  size_t line = 1;       // 1-based
  size_t column = 1;     // 1-based, in Unicode code points from the start of the line
  std::string expected;  // "a value", "')'", "a known field", ...
  std::string found;     // "'and'", "end of input", "'3' (a number)", ...
  std::string hint;      // "did you mean 'orders'?"; may be empty

  // "at <line>:<column> (offset <offset>): expected <expected>, found <found>[; <hint>]".
  std::string ToString() const;
  Status ToStatus() const { return Status::InvalidArgument(ToString()); }
  bool operator==(const RuleError& other) const = default;
};

// An error at `offset` of `text` (line and column computed from the text).
RuleError MakeRuleError(std::string_view text, size_t offset, std::string expected,
                        std::string found, std::string hint = {});

// `text` in single quotes for a `found`: control characters and bytes that are not UTF-8 are
// escaped (\n, \xNN), and text longer than 40 bytes is cut with "...".
std::string QuoteFound(std::string_view text);

}  // namespace mercato::analytics::rules

#pragma once
// Strict number parsing for fields read from files: the whole text must be the number
// (surrounding spaces and tabs are allowed), so "12abc" or "" is rejected rather than truncated.
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string_view>

namespace mercato {

// `text` without leading and trailing spaces and tabs.
std::string_view TrimSpaces(std::string_view text);

// A base-10 integer with an optional leading '-' or '+' ("+-1" is refused).
std::optional<int64_t> ParseInt64(std::string_view text);

}  // namespace mercato

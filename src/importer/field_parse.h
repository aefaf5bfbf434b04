#pragma once
// Strict parsers for the numeric fields of imported files: the whole text must be the number
// (surrounding spaces and tabs are allowed), so "12abc" or "" is rejected rather than truncated.
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/number_parse.h"

namespace mercato::importer {

using ::mercato::ParseInt64;  // core/number_parse.h
using ::mercato::TrimSpaces;

// A decimal "[-+]digits[.digits]" or "[-+].digits" (no exponent) as an exact number of millionths;
// digits after the sixth decimal are rounded half away from zero. Rejects magnitudes >= 10^12.
std::optional<int64_t> ParseDecimalMicros(std::string_view text);

// The double nearest to micros / 10^6, i.e. to the decimal text ParseDecimalMicros read.
inline double MicrosToDouble(int64_t micros) { return static_cast<double>(micros) / 1e6; }

}  // namespace mercato::importer

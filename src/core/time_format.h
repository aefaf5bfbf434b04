#pragma once
// ISO-8601 timestamps <-> microseconds since the Unix epoch (UTC).

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato {

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fraction]]" with 'T' or ' ' as separator and an
// optional zone "Z", "+HH:MM", "+HHMM" or "-HH". No zone means UTC. Rejects out-of-range fields
// (month 13, day 32, hour 24...) with InvalidArgument naming the problem.
Result<int64_t> ParseTimestamp(std::string_view text);

// "2011-12-09T12:50:00.000Z": always UTC with millisecond precision (what Segment emits).
std::string FormatTimestamp(int64_t micros);

// Days since 1970-01-01 for a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

}  // namespace mercato

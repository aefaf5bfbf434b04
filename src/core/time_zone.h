#pragma once
// UTC offsets of IANA time zones ("Europe/Warsaw") from the system's compiled tz database
// (TZif files, RFC 8536, under /usr/share/zoneinfo; Debian package tzdata). Each zone file is
// read once and kept. Times after a zone's last listed transition keep its last offset: with
// Debian's files, which list transitions through 2037, that is exact until then.
//
// Thread safety: all methods are safe from any thread.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mercato {

// One zone: transition times (seconds since the epoch, ascending) and the offset in effect from
// each; `initial` before the first.
struct TzifZone {
  std::vector<int64_t> transitions;
  std::vector<int32_t> offsets;  // seconds east of UTC, one per transition
  int32_t initial = 0;
  // Seconds east of UTC at `utc_seconds`.
  int32_t OffsetAt(int64_t utc_seconds) const;
};

// Parses a TZif file (versions 1-4; the 64-bit part when present). InvalidArgument for anything
// malformed or out of bounds.
Result<TzifZone> ParseTzif(std::string_view data);

class TimeZones {
 public:
  explicit TimeZones(std::string root = "/usr/share/zoneinfo") : root_(std::move(root)) {}

  // Minutes east of UTC in `zone` at `utc_us`; nullopt for a name that is not a zone here
  // (names are letters, digits, '_', '-', '+' and '/' between parts; never "." or "..").
  std::optional<int> OffsetMinutes(std::string_view zone, int64_t utc_us) const;

  // The system's database, for the process's lifetime.
  static const TimeZones& System();

 private:
  const std::string root_;
  mutable std::mutex mu_;
  // guarded by mu_; null for names that are not zones
  mutable std::map<std::string, std::shared_ptr<const TzifZone>, std::less<>> cache_;
};

}  // namespace mercato

#include "weather/season.h"

#include <array>

#include "core/clock.h"

namespace mercato {
namespace {

// The month (1-12) of a day count since 1970-01-01 in the proleptic Gregorian calendar (Howard
// Hinnant's civil_from_days, the inverse of core's DaysFromCivil).
unsigned MonthFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned month_index = (5 * day_of_year + 2) / 153;  // 0 = March
  return month_index < 10 ? month_index + 3 : month_index - 9;
}

}  // namespace

std::string_view SeasonAt(int64_t time_us, std::optional<double> latitude) {
  // Northern seasons indexed by month / 3 % 4 (December wraps to 0 with January and February).
  static constexpr std::array<std::string_view, 4> kNorth = {"winter", "spring", "summer",
                                                             "autumn"};
  // Floor division, so that the microseconds before 1970 land on the day they belong to.
  int64_t days = time_us / kMicrosPerDay;
  if (time_us % kMicrosPerDay < 0) --days;
  size_t season = MonthFromDays(days) / 3 % 4;
  if (latitude.has_value() && *latitude < 0) season = (season + 2) % 4;
  return kNorth[season];
}

}  // namespace mercato

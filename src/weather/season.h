#pragma once
// Meteorological seasons, as context for recommendations when no weather is known (or besides it).
// Thread safety: a pure function.

#include <cstdint>
#include <optional>
#include <string_view>

namespace mercato {

// "winter", "spring", "summer" or "autumn" for the UTC month of `time_us` (microseconds since the
// Unix epoch; negative values are before 1970): December-February is winter, March-May spring,
// June-August summer, September-November autumn. South of the equator (latitude < 0) the seasons
// are flipped (December is summer). Without a latitude, or with NaN, the northern hemisphere is
// assumed.
std::string_view SeasonAt(int64_t time_us, std::optional<double> latitude);

}  // namespace mercato

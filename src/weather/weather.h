#pragma once
// The weather at a visitor's location, as context for re-ranking recommendations: a coarse
// condition, the temperature and when it was observed. `WeatherProvider` is the boundary to the
// outside world; implementations are OpenMeteoProvider (HTTP), CachedWeatherProvider (wraps
// another) and FixedWeatherProvider (demos, tests).
//
// Thread safety: the free functions are pure; every WeatherProvider implementation is safe to call
// from any thread.

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace mercato {

enum class Condition { kUnknown, kClear, kCloudy, kFog, kRain, kSnow, kStorm };

// "unknown", "clear", "cloudy", "fog", "rain", "snow", "storm".
std::string_view ConditionName(Condition condition);
// The inverse of ConditionName (exact, lower case); nullopt for any other text.
std::optional<Condition> ConditionFromName(std::string_view name);

// Degrees north (latitude) and east (longitude), WGS 84.
struct Location {
  double latitude = 0;
  double longitude = 0;
};

// Ok when both coordinates are finite, |latitude| <= 90 and |longitude| <= 180; InvalidArgument
// naming the bad coordinate otherwise.
[[nodiscard]] Status ValidateLocation(const Location& location);

struct Weather {
  Condition condition = Condition::kUnknown;
  double temperature_c = 0;
  int64_t observed_us = 0;  // when the source observed it, microseconds since the Unix epoch
};

class WeatherProvider {
 public:
  virtual ~WeatherProvider();

  // The current weather at `location`. InvalidArgument when the location fails ValidateLocation;
  // Unavailable when the source cannot be reached or answers with an error (retry later);
  // Corruption when it answered something that cannot be read. May block for up to the
  // implementation's documented timeout; never throws.
  virtual Result<Weather> Current(const Location& location) = 0;
};

}  // namespace mercato

#pragma once
// MakeWeatherProvider: the weather provider a flag value (such as --weather) names. For the
// composition root (the `serve` wiring and the CLI); the rest receives a WeatherProvider.
// Thread safety: a pure function of its arguments.

#include <memory>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "weather/weather.h"

namespace mercato {

// "none"                       -> a null provider (no weather context), ok
// "fixed:<condition>:<temp_c>" -> FixedWeatherProvider, e.g. "fixed:rain:12.5"; the condition is a
//                                 ConditionName, the temperature a decimal within ±100 °C;
//                                 observed_us is the clock's time at creation
// "open-meteo:<base-url>"      -> OpenMeteoProvider with default options (300 ms timeout, 64 KiB),
//                                 wrapped in CachedWeatherProvider with default options on `clock`,
//                                 e.g. "open-meteo:https://api.open-meteo.com"
// InvalidArgument naming the problem and the accepted forms otherwise. `clock` must outlive the
// returned provider.
Result<std::unique_ptr<WeatherProvider>> MakeWeatherProvider(std::string_view spec,
                                                             const Clock& clock);

}  // namespace mercato

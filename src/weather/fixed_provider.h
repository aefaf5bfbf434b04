#pragma once
// FixedWeatherProvider: the same weather everywhere, always; for demos and tests.
// Thread safety: Current is safe from any thread (the weather is const after construction).

#include "weather/weather.h"

namespace mercato {

class FixedWeatherProvider final : public WeatherProvider {
 public:
  explicit FixedWeatherProvider(const Weather& weather) : weather_(weather) {}

  // The fixed weather for any valid location; InvalidArgument for an invalid one, as every
  // provider answers.
  Result<Weather> Current(const Location& location) override;

 private:
  const Weather weather_;
};

}  // namespace mercato

#include "weather/fixed_provider.h"

namespace mercato {

Result<Weather> FixedWeatherProvider::Current(const Location& location) {
  RETURN_IF_ERROR(ValidateLocation(location));
  return weather_;
}

}  // namespace mercato

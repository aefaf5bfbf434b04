#include "weather/weather.h"

#include <array>
#include <cmath>
#include <string>

namespace mercato {
namespace {

constexpr std::array<std::string_view, 7> kConditionNames = {"unknown", "clear", "cloudy", "fog",
                                                             "rain",    "snow",  "storm"};

Status ValidateCoordinate(double value, double bound, std::string_view name) {
  // !(|v| <= bound) also refuses NaN, which compares false with everything.
  if (!std::isfinite(value) || !(std::fabs(value) <= bound)) {
    return Status::InvalidArgument(std::string(name) + " must be a finite number within ±" +
                                   std::to_string(static_cast<int>(bound)) + " degrees");
  }
  return Status::Ok();
}

}  // namespace

std::string_view ConditionName(Condition condition) {
  const auto index = static_cast<size_t>(condition);
  return index < kConditionNames.size() ? kConditionNames[index] : "unknown";
}

std::optional<Condition> ConditionFromName(std::string_view name) {
  for (size_t index = 0; index < kConditionNames.size(); ++index) {
    if (kConditionNames[index] == name) return static_cast<Condition>(index);
  }
  return std::nullopt;
}

Status ValidateLocation(const Location& location) {
  RETURN_IF_ERROR(ValidateCoordinate(location.latitude, 90, "latitude"));
  return ValidateCoordinate(location.longitude, 180, "longitude");
}

WeatherProvider::~WeatherProvider() = default;

}  // namespace mercato

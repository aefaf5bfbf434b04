#include "weather/make_provider.h"

#include <charconv>
#include <cmath>
#include <string>

#include "weather/fixed_provider.h"
#include "weather/open_meteo.h"
#include "weather/weather_cache.h"

namespace mercato {
namespace {

constexpr std::string_view kForms =
    "expected none, fixed:<condition>:<temp_c> or open-meteo:<base-url>";

Status Invalid(std::string_view spec, std::string_view why) {
  return Status::InvalidArgument("bad weather provider '" + std::string(spec) +
                                 "': " + std::string(why) + " (" + std::string(kForms) + ")");
}

Result<std::unique_ptr<WeatherProvider>> MakeFixed(std::string_view spec, std::string_view args,
                                                   const Clock& clock) {
  const size_t colon = args.find(':');
  if (colon == std::string_view::npos) return Invalid(spec, "missing :<temp_c>");
  const std::string_view name = args.substr(0, colon);
  const std::string_view temperature_text = args.substr(colon + 1);
  const std::optional<Condition> condition = ConditionFromName(name);
  if (!condition.has_value()) {
    return Invalid(spec, "unknown condition '" + std::string(name) +
                             "' (unknown, clear, cloudy, fog, rain, snow or storm)");
  }
  double temperature = 0;
  const char* end = temperature_text.data() + temperature_text.size();
  const auto [parsed_end, error] = std::from_chars(temperature_text.data(), end, temperature);
  if (temperature_text.empty() || error != std::errc() || parsed_end != end ||
      !std::isfinite(temperature) || std::fabs(temperature) > 100) {
    return Invalid(spec, "the temperature must be a number of °C within ±100");
  }
  Weather weather;
  weather.condition = *condition;
  weather.temperature_c = temperature;
  weather.observed_us = clock.NowMicros();
  return std::unique_ptr<WeatherProvider>(std::make_unique<FixedWeatherProvider>(weather));
}

Result<std::unique_ptr<WeatherProvider>> MakeOpenMeteo(std::string_view spec,
                                                       std::string_view base_url,
                                                       const Clock& clock) {
  OpenMeteoOptions options;
  options.base_url = std::string(base_url);
  auto provider = OpenMeteoProvider::Create(options);
  if (!provider.ok()) {
    return Status(provider.status().code(), "bad weather provider '" + std::string(spec) +
                                                "': " + provider.status().message());
  }
  ASSIGN_OR_RETURN(std::unique_ptr<CachedWeatherProvider> cached,
                   CachedWeatherProvider::Create(std::move(provider).value(), clock));
  return std::unique_ptr<WeatherProvider>(std::move(cached));
}

}  // namespace

Result<std::unique_ptr<WeatherProvider>> MakeWeatherProvider(std::string_view spec,
                                                             const Clock& clock) {
  if (spec == "none") return std::unique_ptr<WeatherProvider>();
  const size_t colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon);
  const std::string_view args =
      colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  if (kind == "fixed") return MakeFixed(spec, args, clock);
  if (kind == "open-meteo") {
    if (args.empty()) return Invalid(spec, "missing the base URL");
    return MakeOpenMeteo(spec, args, clock);
  }
  if (spec.empty()) return Invalid(spec, "empty");
  return Invalid(spec, "unknown provider '" + std::string(kind) + "'");
}

}  // namespace mercato

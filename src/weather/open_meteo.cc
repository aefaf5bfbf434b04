#include "weather/open_meteo.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <cmath>

#include "core/time_format.h"

namespace mercato {
namespace json = boost::json;
namespace {

// Plain decimal, never exponent notation, which the API is not documented to accept.
std::string Coordinate(double value) {
  std::array<char, 64> buffer{};
  const auto [end, error] =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::fixed);
  // 64 characters hold any value within ±180 in fixed notation, so to_chars cannot run out.
  return error == std::errc() ? std::string(buffer.data(), end) : "0";
}

Status Malformed(std::string_view why) {
  return Status::Corruption("malformed Open-Meteo response: " + std::string(why));
}

// An integral JSON number as int, accepting 61 and 61.0 alike.
std::optional<int> IntegralNumber(const json::value& value) {
  if (value.is_int64()) {
    const int64_t number = value.get_int64();
    if (number >= -1'000'000 && number <= 1'000'000) return static_cast<int>(number);
  } else if (value.is_uint64()) {
    if (value.get_uint64() <= 1'000'000) return static_cast<int>(value.get_uint64());
  } else if (value.is_double()) {
    const double number = value.get_double();
    if (std::fabs(number) <= 1'000'000 && number == std::trunc(number)) {
      return static_cast<int>(number);
    }
  }
  return std::nullopt;
}

}  // namespace

Condition ConditionFromWmoCode(int code) {
  if (code == 0 || code == 1) return Condition::kClear;
  if (code == 2 || code == 3) return Condition::kCloudy;
  if (code == 45 || code == 48) return Condition::kFog;
  if ((code >= 51 && code <= 67) || (code >= 80 && code <= 82)) return Condition::kRain;
  if ((code >= 71 && code <= 77) || code == 85 || code == 86) return Condition::kSnow;
  if (code >= 95 && code <= 99) return Condition::kStorm;
  return Condition::kUnknown;
}

std::string OpenMeteoTarget(const Location& location) {
  return "/v1/forecast?latitude=" + Coordinate(location.latitude) +
         "&longitude=" + Coordinate(location.longitude) + "&current_weather=true";
}

Result<Weather> ParseOpenMeteoResponse(std::string_view body) {
  boost::system::error_code ec;
  const json::value root = json::parse(body, ec);
  if (ec) return Malformed("not JSON (" + ec.message() + ")");
  const json::object* document = root.if_object();
  if (document == nullptr) return Malformed("not a JSON object");
  const json::value* current_value = document->if_contains("current_weather");
  const json::object* current = current_value != nullptr ? current_value->if_object() : nullptr;
  if (current == nullptr) return Malformed("no current_weather object");

  const json::value* temperature = current->if_contains("temperature");
  if (temperature == nullptr || !temperature->is_number()) {
    return Malformed("current_weather.temperature is missing or not a number");
  }
  const json::value* code = current->if_contains("weathercode");
  const std::optional<int> code_number =
      code != nullptr ? IntegralNumber(*code) : std::optional<int>();
  if (!code_number.has_value()) {
    return Malformed("current_weather.weathercode is missing or not an integer");
  }
  const json::value* time = current->if_contains("time");
  if (time == nullptr || !time->is_string()) {
    return Malformed("current_weather.time is missing or not a string");
  }
  const Result<int64_t> observed = ParseTimestamp(time->get_string());
  if (!observed.ok()) return Malformed("current_weather.time: " + observed.status().message());

  Weather weather;
  weather.condition = ConditionFromWmoCode(*code_number);
  weather.temperature_c = temperature->to_number<double>(ec);
  if (ec || !std::isfinite(weather.temperature_c)) {
    return Malformed("current_weather.temperature is not a finite number");
  }
  weather.observed_us = *observed;
  return weather;
}

Result<std::unique_ptr<OpenMeteoProvider>> OpenMeteoProvider::Create(
    const OpenMeteoOptions& options) {
  ASSIGN_OR_RETURN(BaseUrl url, ParseBaseUrl(options.base_url));
  HttpGetOptions http;
  http.timeout_ms = options.timeout_ms;
  http.max_response_bytes = options.max_response_bytes;
  http.max_in_flight = options.max_in_flight;
  http.ca_file = options.ca_file;
  ASSIGN_OR_RETURN(std::unique_ptr<HttpGetClient> client,
                   HttpGetClient::Create(std::move(url), std::move(http)));
  return std::unique_ptr<OpenMeteoProvider>(new OpenMeteoProvider(std::move(client)));
}

OpenMeteoProvider::OpenMeteoProvider(std::unique_ptr<HttpGetClient> client)
    : client_(std::move(client)) {}

Result<Weather> OpenMeteoProvider::Current(const Location& location) {
  RETURN_IF_ERROR(ValidateLocation(location));
  ASSIGN_OR_RETURN(std::string body, client_->Get(OpenMeteoTarget(location)));
  return ParseOpenMeteoResponse(body);
}

}  // namespace mercato

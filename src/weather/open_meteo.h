#pragma once
// OpenMeteoProvider: current weather from the Open-Meteo forecast API (https://open-meteo.com):
//   GET {base}/v1/forecast?latitude=52.52&longitude=13.41&current_weather=true
//   -> {"current_weather":{"temperature":12.3,"weathercode":61,"time":"2026-11-24T10:00",...}}
// `time` is read as UTC (the API's default time zone is GMT). WMO weather codes map to Condition
// as ConditionFromWmoCode says; a code outside the table is Condition::kUnknown, not an error.
//
// Limits: each Current blocks for at most `timeout_ms` (the whole exchange; see http_get.h); the
// body is read up to `max_response_bytes`. No caching: wrap in CachedWeatherProvider.
//
// Thread safety: Current is safe from any thread; the provider owns one I/O thread.

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "weather/http_get.h"
#include "weather/weather.h"

namespace mercato {

struct OpenMeteoOptions {
  std::string base_url = "https://api.open-meteo.com";  // http://host[:port] or https://host[:port]
  int timeout_ms = 300;                                 // connect + TLS + request + response
  size_t max_response_bytes = 64 << 10;
  size_t max_in_flight = 64;  // concurrent requests; beyond it Current answers Unavailable
  std::string ca_file;        // extra PEM trust anchors besides the system store (https only)
};

// 0-1 clear, 2-3 cloudy, 45/48 fog, 51-67 and 80-82 rain, 71-77 and 85-86 snow, 95-99 storm;
// anything else unknown.
Condition ConditionFromWmoCode(int code);

// The request target for `location`: "/v1/forecast?latitude=..&longitude=..&current_weather=true"
// with coordinates in plain decimal notation (shortest form that reads back exactly).
std::string OpenMeteoTarget(const Location& location);

// Reads an Open-Meteo forecast body. Corruption naming what is missing or malformed when it is not
// JSON, lacks current_weather, or its temperature, weathercode or time is absent or of the wrong
// type (or the time is not ISO-8601).
Result<Weather> ParseOpenMeteoResponse(std::string_view body);

class OpenMeteoProvider final : public WeatherProvider {
 public:
  // InvalidArgument for a bad base URL or option (the message names it); Internal when TLS or the
  // I/O thread cannot be set up.
  static Result<std::unique_ptr<OpenMeteoProvider>> Create(const OpenMeteoOptions& options);

  // InvalidArgument for an invalid location; Unavailable when the service cannot be reached in
  // time, answers other than 200 or sends more than the byte limit; Corruption for a body that is
  // not an Open-Meteo answer.
  Result<Weather> Current(const Location& location) override;

 private:
  explicit OpenMeteoProvider(std::unique_ptr<HttpGetClient> client);

  const std::unique_ptr<HttpGetClient> client_;  // const after construction; thread-safe
};

}  // namespace mercato

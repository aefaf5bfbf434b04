// The weather module: names and mapping, Open-Meteo against a local stub server (plain and TLS),
// the cache on a fake clock, provider specs and seasons.

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/time_format.h"
#include "support/test_pki.h"
#include "support/test_support.h"
#include "weather/base_url.h"
#include "weather/fixed_provider.h"
#include "weather/make_provider.h"
#include "weather/open_meteo.h"
#include "weather/season.h"
#include "weather/weather.h"
#include "weather/weather_cache.h"

namespace mercato {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr char kGoodBody[] =
    R"({"latitude":52.52,"longitude":13.42,"current_weather_units":{"temperature":"°C"},)"
    R"("current_weather":{"temperature":12.3,"windspeed":9.4,"weathercode":61,"is_day":1,)"
    R"("time":"2026-11-24T10:00"}})";

int64_t Micros(const char* iso) {
  Result<int64_t> parsed = ParseTimestamp(iso);
  EXPECT_TRUE(parsed.ok()) << iso;
  return parsed.ok() ? *parsed : 0;
}

// ---------------------------------------------------------------------------------------------
// A local HTTP(S) server answering every request with one canned response (or never). It records
// each request head (and, over TLS, the SNI name), runs on its own thread for at most 30 s, and
// stops when destroyed.

struct StubResponse {
  int status = 200;
  std::string body = kGoodBody;
  bool hang = false;  // read the request, then never answer
};

class StubServer {
 public:
  explicit StubServer(StubResponse response, const testing::TestPki* pki = nullptr)
      : acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        response_(std::move(response)) {
    if (pki != nullptr) {
      auto& context = tls_.emplace(ssl::context::tls_server);
      boost::system::error_code ec;
      context.use_certificate_chain_file(pki->cert_file, ec);
      EXPECT_FALSE(ec) << ec.message();
      context.use_private_key_file(pki->key_file, ssl::context::pem, ec);
      EXPECT_FALSE(ec) << ec.message();
    }
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(io_, Accept(), net::detached);
    thread_ = std::thread([this] { io_.run_for(std::chrono::seconds(30)); });
  }
  ~StubServer() {
    io_.stop();
    thread_.join();
  }

  uint16_t port() const { return port_; }
  std::string base_url() const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // The SNI name of each completed TLS handshake ("" when the client sent none).
  std::vector<std::string> server_names() const {
    std::lock_guard lock(mu_);
    return server_names_;
  }

 private:
  net::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kTuple);
      if (ec) co_return;
      net::co_spawn(io_, Serve(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> Serve(tcp::socket socket) {
    if (!tls_) {
      co_await Answer(socket);
      co_return;
    }
    ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
    if (ec) co_return;
    const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    {
      std::lock_guard lock(mu_);
      server_names_.emplace_back(name != nullptr ? name : "");
    }
    co_await Answer(stream);
  }

  template <class Stream>
  net::awaitable<void> Answer(Stream& stream) {
    std::string head;
    auto [read_ec, head_bytes] = co_await net::async_read_until(
        stream, net::dynamic_buffer(head, 16 << 10), "\r\n\r\n", kTuple);
    if (read_ec) co_return;
    StubResponse response;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(head.substr(0, head_bytes));
      response = response_;
    }
    if (response.hang) {
      net::steady_timer timer(co_await net::this_coro::executor, std::chrono::seconds(30));
      co_await timer.async_wait(kTuple);
      co_return;
    }
    const std::string out = "HTTP/1.1 " + std::to_string(response.status) +
                            " Stub\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(response.body.size()) + "\r\nConnection: close\r\n\r\n" +
                            response.body;
    co_await net::async_write(stream, net::buffer(out), kTuple);
  }

  // The TLS context outlives io_, whose destruction destroys the coroutine frames using it.
  std::optional<ssl::context> tls_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  StubResponse response_;                  // guarded by mu_
  std::vector<std::string> requests_;      // guarded by mu_
  std::vector<std::string> server_names_;  // guarded by mu_
};

std::unique_ptr<OpenMeteoProvider> MakeOpenMeteo(const std::string& base_url, int timeout_ms = 2000,
                                                 const std::string& ca_file = {}) {
  OpenMeteoOptions options;
  options.base_url = base_url;
  options.timeout_ms = timeout_ms;
  options.ca_file = ca_file;
  auto provider = OpenMeteoProvider::Create(options);
  EXPECT_TRUE(provider.ok()) << provider.status().ToString();
  return provider.ok() ? std::move(provider).value() : nullptr;
}

const Location kBerlin{52.52, 13.41};

// ---------------------------------------------------------------------------------------------
// Names, mapping, validation

TEST(WeatherNames, RoundTripAndRefuseOthers) {
  const std::vector<std::pair<Condition, std::string_view>> names = {
      {Condition::kUnknown, "unknown"}, {Condition::kClear, "clear"},
      {Condition::kCloudy, "cloudy"},   {Condition::kFog, "fog"},
      {Condition::kRain, "rain"},       {Condition::kSnow, "snow"},
      {Condition::kStorm, "storm"}};
  for (const auto& [condition, name] : names) {
    EXPECT_EQ(ConditionName(condition), name);
    EXPECT_EQ(ConditionFromName(name), condition);
  }
  EXPECT_EQ(ConditionFromName("Rain"), std::nullopt);
  EXPECT_EQ(ConditionFromName(""), std::nullopt);
  EXPECT_EQ(ConditionFromName("hail"), std::nullopt);
}

TEST(WeatherCodes, MapEveryWmoCode) {
  for (int code = -5; code <= 120; ++code) {
    Condition expected = Condition::kUnknown;
    if (code == 0 || code == 1) expected = Condition::kClear;
    if (code == 2 || code == 3) expected = Condition::kCloudy;
    if (code == 45 || code == 48) expected = Condition::kFog;
    if ((code >= 51 && code <= 67) || (code >= 80 && code <= 82)) expected = Condition::kRain;
    if ((code >= 71 && code <= 77) || code == 85 || code == 86) expected = Condition::kSnow;
    if (code >= 95 && code <= 99) expected = Condition::kStorm;
    EXPECT_EQ(ConditionFromWmoCode(code), expected) << "code " << code;
  }
  EXPECT_EQ(ConditionFromWmoCode(61), Condition::kRain);
  EXPECT_EQ(ConditionFromWmoCode(44), Condition::kUnknown);
  EXPECT_EQ(ConditionFromWmoCode(83), Condition::kUnknown);
}

TEST(WeatherLocation, Validation) {
  EXPECT_TRUE(ValidateLocation({0, 0}).ok());
  EXPECT_TRUE(ValidateLocation({90, 180}).ok());
  EXPECT_TRUE(ValidateLocation({-90, -180}).ok());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const Location& bad : {Location{90.0001, 0}, Location{0, -180.5}, Location{nan, 0},
                              Location{0, nan}, Location{inf, 0}, Location{0, -inf}}) {
    Status status = ValidateLocation(bad);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad.latitude << "," << bad.longitude;
  }
  EXPECT_NE(ValidateLocation({91, 0}).message().find("latitude"), std::string::npos);
  EXPECT_NE(ValidateLocation({0, 181}).message().find("longitude"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Seasons

TEST(WeatherSeason, NorthAndSouth) {
  struct Case {
    const char* time;
    std::string_view north;
    std::string_view south;
  };
  const Case cases[] = {
      {"2026-01-15T12:00:00Z", "winter", "summer"}, {"2026-02-28T23:59:59Z", "winter", "summer"},
      {"2026-03-01T00:00:00Z", "spring", "autumn"}, {"2026-05-31T12:00:00Z", "spring", "autumn"},
      {"2026-06-01T00:00:00Z", "summer", "winter"}, {"2026-08-31T23:59:59Z", "summer", "winter"},
      {"2026-09-01T00:00:00Z", "autumn", "spring"}, {"2026-11-30T23:59:59Z", "autumn", "spring"},
      {"2026-12-01T00:00:00Z", "winter", "summer"}, {"2024-02-29T12:00:00Z", "winter", "summer"},
      {"1969-12-31T23:59:59Z", "winter", "summer"}, {"1969-07-01T00:00:00Z", "summer", "winter"},
      {"1970-01-01T00:00:00Z", "winter", "summer"}, {"1900-04-10T00:00:00Z", "spring", "autumn"},
  };
  for (const Case& test : cases) {
    const int64_t time_us = Micros(test.time);
    EXPECT_EQ(SeasonAt(time_us, 48.1), test.north) << test.time;
    EXPECT_EQ(SeasonAt(time_us, -33.9), test.south) << test.time;
    EXPECT_EQ(SeasonAt(time_us, std::nullopt), test.north) << test.time;
    EXPECT_EQ(SeasonAt(time_us, 0.0), test.north) << test.time;  // the equator counts as north
  }
  // The UTC month decides, not local time: one microsecond before March is still winter.
  EXPECT_EQ(SeasonAt(Micros("2026-03-01T00:00:00Z") - 1, 10), "winter");
}

// ---------------------------------------------------------------------------------------------
// Base URLs, request target and body parsing

TEST(WeatherBaseUrl, ParsesGoodUrls) {
  auto plain = ParseBaseUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 8080);
  EXPECT_TRUE(plain->host_is_ip);
  EXPECT_EQ(plain->HostHeader(), "127.0.0.1:8080");

  auto secure = ParseBaseUrl("https://api.open-meteo.com/");
  ASSERT_TRUE(secure.ok()) << secure.status().ToString();
  EXPECT_TRUE(secure->tls);
  EXPECT_EQ(secure->host, "api.open-meteo.com");
  EXPECT_EQ(secure->port, 443);
  EXPECT_FALSE(secure->host_is_ip);
  EXPECT_EQ(secure->HostHeader(), "api.open-meteo.com");

  auto default_http = ParseBaseUrl("http://weather.internal");
  ASSERT_TRUE(default_http.ok());
  EXPECT_EQ(default_http->port, 80);

  auto ipv6 = ParseBaseUrl("http://[::1]:9000");
  ASSERT_TRUE(ipv6.ok()) << ipv6.status().ToString();
  EXPECT_EQ(ipv6->host, "::1");
  EXPECT_TRUE(ipv6->host_is_ip);
  EXPECT_EQ(ipv6->HostHeader(), "[::1]:9000");
}

TEST(WeatherBaseUrl, RefusesBadUrls) {
  for (const char* bad :
       {"", "api.open-meteo.com", "ftp://host", "http://", "http://:80",
        "http://host:", "http://host:0", "http://host:65536", "http://host:8o", "http://host:-1",
        "http://host/v1", "http://host?x=1", "http://host#f", "http://user:pw@host", "http://ho st",
        "http://[::1", "http://[not-ip]:80", "http://[::1]x", "https://-host"}) {
    auto url = ParseBaseUrl(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(url.status().message().find("bad base URL"), std::string::npos) << bad;
  }
}

TEST(WeatherOpenMeteo, RequestTarget) {
  EXPECT_EQ(OpenMeteoTarget(kBerlin),
            "/v1/forecast?latitude=52.52&longitude=13.41&current_weather=true");
  EXPECT_EQ(OpenMeteoTarget({-33.9, 151.2}),
            "/v1/forecast?latitude=-33.9&longitude=151.2&current_weather=true");
  // Never exponent notation.
  EXPECT_EQ(OpenMeteoTarget({0.00001, -0.5}),
            "/v1/forecast?latitude=0.00001&longitude=-0.5&current_weather=true");
}

TEST(WeatherOpenMeteo, ParsesBody) {
  auto weather = ParseOpenMeteoResponse(kGoodBody);
  ASSERT_TRUE(weather.ok()) << weather.status().ToString();
  EXPECT_EQ(weather->condition, Condition::kRain);
  EXPECT_DOUBLE_EQ(weather->temperature_c, 12.3);
  EXPECT_EQ(weather->observed_us, Micros("2026-11-24T10:00:00Z"));

  auto integral = ParseOpenMeteoResponse(
      R"({"current_weather":{"temperature":-4,"weathercode":73.0,"time":"2026-01-02T03:00"}})");
  ASSERT_TRUE(integral.ok()) << integral.status().ToString();
  EXPECT_EQ(integral->condition, Condition::kSnow);
  EXPECT_DOUBLE_EQ(integral->temperature_c, -4);

  auto unknown_code = ParseOpenMeteoResponse(
      R"({"current_weather":{"temperature":20,"weathercode":42,"time":"2026-01-02T03:00"}})");
  ASSERT_TRUE(unknown_code.ok());
  EXPECT_EQ(unknown_code->condition, Condition::kUnknown);
}

TEST(WeatherOpenMeteo, RefusesMalformedBodies) {
  for (const char* bad : {
           "",
           "{not json",
           "[1,2]",
           R"({"current_weather":5})",
           R"({"hourly":{}})",
           R"({"current_weather":{"weathercode":1,"time":"2026-01-02T03:00"}})",
           R"({"current_weather":{"temperature":"12","weathercode":1,"time":"2026-01-02T03:00"}})",
           R"({"current_weather":{"temperature":12,"time":"2026-01-02T03:00"}})",
           R"({"current_weather":{"temperature":12,"weathercode":1.5,"time":"2026-01-02T03:00"}})",
           R"({"current_weather":{"temperature":12,"weathercode":"1","time":"2026-01-02T03:00"}})",
           R"({"current_weather":{"temperature":12,"weathercode":1}})",
           R"({"current_weather":{"temperature":12,"weathercode":1,"time":1700000000}})",
           R"({"current_weather":{"temperature":12,"weathercode":1,"time":"2026-13-02T03:00"}})",
       }) {
    auto weather = ParseOpenMeteoResponse(bad);
    ASSERT_FALSE(weather.ok()) << bad;
    EXPECT_EQ(weather.status().code(), StatusCode::kCorruption) << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// OpenMeteoProvider against the stub server

TEST(WeatherOpenMeteoHttp, FetchesCurrentWeather) {
  StubServer server({});
  auto provider = MakeOpenMeteo(server.base_url());
  ASSERT_NE(provider, nullptr);
  auto weather = provider->Current(kBerlin);
  ASSERT_TRUE(weather.ok()) << weather.status().ToString();
  EXPECT_EQ(weather->condition, Condition::kRain);
  EXPECT_DOUBLE_EQ(weather->temperature_c, 12.3);
  EXPECT_EQ(weather->observed_us, Micros("2026-11-24T10:00"));

  const std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].substr(0, requests[0].find("\r\n")),
            "GET /v1/forecast?latitude=52.52&longitude=13.41&current_weather=true HTTP/1.1");
  EXPECT_NE(requests[0].find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos)
      << requests[0];

  // Another call opens another connection and works again.
  auto again = provider->Current({-33.9, 151.2});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_NE(server.requests()[1].find("latitude=-33.9&longitude=151.2"), std::string::npos);
}

TEST(WeatherOpenMeteoHttp, RefusesInvalidLocationWithoutARequest) {
  StubServer server({});
  auto provider = MakeOpenMeteo(server.base_url());
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(provider->Current({95, 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(server.requests().empty());
}

TEST(WeatherOpenMeteoHttp, Non200IsUnavailable) {
  StubServer server({.status = 503, .body = R"({"error":true,"reason":"busy"})"});
  auto provider = MakeOpenMeteo(server.base_url());
  ASSERT_NE(provider, nullptr);
  auto weather = provider->Current(kBerlin);
  ASSERT_FALSE(weather.ok());
  EXPECT_EQ(weather.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(weather.status().message().find("HTTP 503"), std::string::npos)
      << weather.status().ToString();
}

TEST(WeatherOpenMeteoHttp, MalformedBodyIsCorruption) {
  StubServer server({.status = 200, .body = "{\"current_weather\":"});
  auto provider = MakeOpenMeteo(server.base_url());
  ASSERT_NE(provider, nullptr);
  auto weather = provider->Current(kBerlin);
  ASSERT_FALSE(weather.ok());
  EXPECT_EQ(weather.status().code(), StatusCode::kCorruption) << weather.status().ToString();
}

TEST(WeatherOpenMeteoHttp, OversizedBodyIsUnavailable) {
  StubServer server({.status = 200, .body = std::string(4096, ' ') + kGoodBody});
  OpenMeteoOptions options;
  options.base_url = server.base_url();
  options.max_response_bytes = 1024;
  auto provider = OpenMeteoProvider::Create(options);
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  auto weather = (*provider)->Current(kBerlin);
  ASSERT_FALSE(weather.ok());
  EXPECT_EQ(weather.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(weather.status().message().find("over 1024 bytes"), std::string::npos)
      << weather.status().ToString();
}

TEST(WeatherOpenMeteoHttp, SlowServerTimesOut) {
  StubServer server({.hang = true});
  auto provider = MakeOpenMeteo(server.base_url(), /*timeout_ms=*/150);
  ASSERT_NE(provider, nullptr);
  const auto start = steady_clock::now();
  auto weather = provider->Current(kBerlin);
  const auto elapsed = steady_clock::now() - start;
  ASSERT_FALSE(weather.ok());
  EXPECT_EQ(weather.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(weather.status().message().find("within 150 ms"), std::string::npos)
      << weather.status().ToString();
  EXPECT_GE(elapsed, milliseconds(140));
  EXPECT_LT(elapsed, milliseconds(3000));  // bounded by the timeout, not by the server
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(WeatherOpenMeteoHttp, ConnectionRefusedIsUnavailable) {
  uint16_t closed_port = 0;
  {
    net::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    closed_port = acceptor.local_endpoint().port();
  }  // closed: nothing listens there now
  auto provider = MakeOpenMeteo("http://127.0.0.1:" + std::to_string(closed_port));
  ASSERT_NE(provider, nullptr);
  const auto start = steady_clock::now();
  auto weather = provider->Current(kBerlin);
  ASSERT_FALSE(weather.ok());
  EXPECT_EQ(weather.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(weather.status().message().find("connect"), std::string::npos)
      << weather.status().ToString();
  EXPECT_LT(steady_clock::now() - start, milliseconds(1500));
}

TEST(WeatherOpenMeteoHttp, BoundsRequestsInFlight) {
  StubServer server({.hang = true});
  OpenMeteoOptions options;
  options.base_url = server.base_url();
  options.timeout_ms = 1000;
  options.max_in_flight = 1;
  auto created = OpenMeteoProvider::Create(options);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  OpenMeteoProvider& provider = **created;

  std::optional<Result<Weather>> first;
  std::thread caller([&] { first.emplace(provider.Current(kBerlin)); });
  ASSERT_TRUE(testing::WaitFor([&] { return server.requests().size() == 1; }, 5000));
  auto second = provider.Current(kBerlin);
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("too many requests in flight"), std::string::npos)
      << second.status().ToString();
  caller.join();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status().code(), StatusCode::kUnavailable);  // the hanging server timed out
  EXPECT_EQ(server.requests().size(), 1u);
}

class WeatherOpenMeteoTls : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(testing::MakeTestPki(dir_.path(), "weather", pki_, error)) << error;
  }
  testing::TempDir dir_;
  testing::TestPki pki_;
};

TEST_F(WeatherOpenMeteoTls, VerifiesTheServerCertificate) {
  StubServer server({}, &pki_);
  auto provider = MakeOpenMeteo(server.base_url(), 3000, pki_.ca_file);
  ASSERT_NE(provider, nullptr);
  auto weather = provider->Current(kBerlin);
  ASSERT_TRUE(weather.ok()) << weather.status().ToString();
  EXPECT_EQ(weather->condition, Condition::kRain);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.server_names(), std::vector<std::string>{""});  // no SNI for an IP address
}

TEST_F(WeatherOpenMeteoTls, ResolvesNamesAndSendsSni) {
  StubServer server({}, &pki_);
  auto provider =
      MakeOpenMeteo("https://localhost:" + std::to_string(server.port()), 3000, pki_.ca_file);
  ASSERT_NE(provider, nullptr);
  auto weather = provider->Current(kBerlin);
  ASSERT_TRUE(weather.ok()) << weather.status().ToString();
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_NE(server.requests()[0].find("Host: localhost:"), std::string::npos);
  EXPECT_EQ(server.server_names(), std::vector<std::string>{"localhost"});
}

TEST_F(WeatherOpenMeteoTls, RefusesACertificateTheSystemStoreDoesNotTrust) {
  StubServer server({}, &pki_);
  auto provider = MakeOpenMeteo(server.base_url(), 3000);  // no extra CA
  ASSERT_NE(provider, nullptr);
  auto weather = provider->Current(kBerlin);
  ASSERT_FALSE(weather.ok());
  EXPECT_EQ(weather.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(weather.status().message().find("TLS handshake"), std::string::npos)
      << weather.status().ToString();
  EXPECT_TRUE(server.requests().empty());  // nothing was sent to an unverified server
}

TEST(WeatherOpenMeteoHttp, CreateRefusesBadOptions) {
  OpenMeteoOptions options;
  options.base_url = "ftp://example.com";
  EXPECT_EQ(OpenMeteoProvider::Create(options).status().code(), StatusCode::kInvalidArgument);
  options.base_url = "http://127.0.0.1:1";
  options.timeout_ms = 0;
  EXPECT_EQ(OpenMeteoProvider::Create(options).status().code(), StatusCode::kInvalidArgument);
  options.timeout_ms = 300;
  options.max_response_bytes = 0;
  EXPECT_EQ(OpenMeteoProvider::Create(options).status().code(), StatusCode::kInvalidArgument);
  options.max_response_bytes = 1024;
  options.base_url = "https://127.0.0.1:1";
  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(OpenMeteoProvider::Create(options).status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// CachedWeatherProvider over a scripted provider on a fake clock

// Answers from a script, counts calls and records the locations asked for. With `block` set, each
// call waits until Release().
class ScriptedProvider final : public WeatherProvider {
 public:
  Result<Weather> Current(const Location& location) override {
    std::unique_lock lock(mu_);
    ++calls_;
    asked_.push_back(location);
    cv_.notify_all();
    cv_.wait(lock, [&] { return !block_; });
    return answer_;
  }
  void SetAnswer(Result<Weather> answer) {
    std::lock_guard lock(mu_);
    answer_ = std::move(answer);
  }
  void Block() {
    std::lock_guard lock(mu_);
    block_ = true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    block_ = false;
    cv_.notify_all();
  }
  int calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<Location> asked() const {
    std::lock_guard lock(mu_);
    return asked_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Result<Weather> answer_ = Weather{Condition::kClear, 20.5, 1'000};
  bool block_ = false;
  int calls_ = 0;
  std::vector<Location> asked_;
};

class WeatherCacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<CachedWeatherProvider> MakeCache(const WeatherCacheOptions& options = {}) {
    auto inner = std::make_unique<ScriptedProvider>();
    inner_ = inner.get();
    auto cache = CachedWeatherProvider::Create(std::move(inner), clock_, options);
    EXPECT_TRUE(cache.ok()) << cache.status().ToString();
    return cache.ok() ? std::move(cache).value() : nullptr;
  }

  FakeClock clock_{Micros("2026-11-24T10:00:00Z")};
  ScriptedProvider* inner_ = nullptr;  // owned by the cache
};

TEST_F(WeatherCacheTest, RoundsToCellsAndHits) {
  auto cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  auto first = cache->Current({52.52, 13.41});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->condition, Condition::kClear);
  auto same_cell = cache->Current({52.46, 13.35});  // rounds to 52.5, 13.4 too
  ASSERT_TRUE(same_cell.ok());
  EXPECT_EQ(inner_->calls(), 1);
  ASSERT_EQ(inner_->asked().size(), 1u);
  EXPECT_DOUBLE_EQ(inner_->asked()[0].latitude, 52.5);  // the cell centre is asked for
  EXPECT_DOUBLE_EQ(inner_->asked()[0].longitude, 13.4);

  auto other_cell = cache->Current({52.56, 13.41});  // 52.6
  ASSERT_TRUE(other_cell.ok());
  EXPECT_EQ(inner_->calls(), 2);

  const WeatherCacheStats stats = cache->Stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.failures, 0u);
  EXPECT_EQ(stats.entries, 2u);
}

TEST_F(WeatherCacheTest, RoundingHasNoNegativeZero) {
  const Location cell = RoundToWeatherCell({-0.04, -0.01});
  EXPECT_FALSE(std::signbit(cell.latitude));
  EXPECT_FALSE(std::signbit(cell.longitude));
  EXPECT_EQ(OpenMeteoTarget(cell), "/v1/forecast?latitude=0&longitude=0&current_weather=true");
}

TEST_F(WeatherCacheTest, SuccessesExpireAfterTheTtl) {
  auto cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Current(kBerlin).ok());
  clock_.Advance(15 * 60 * kMicrosPerSecond - 1);
  ASSERT_TRUE(cache->Current(kBerlin).ok());
  EXPECT_EQ(inner_->calls(), 1);
  clock_.Advance(1);
  inner_->SetAnswer(Weather{Condition::kSnow, -2, 2'000});
  auto refreshed = cache->Current(kBerlin);
  ASSERT_TRUE(refreshed.ok());
  EXPECT_EQ(refreshed->condition, Condition::kSnow);
  EXPECT_EQ(inner_->calls(), 2);
  EXPECT_EQ(cache->Stats().entries, 1u);
}

TEST_F(WeatherCacheTest, ClockSteppingBackExpires) {
  auto cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  ASSERT_TRUE(cache->Current(kBerlin).ok());
  clock_.Advance(-kMicrosPerSecond);
  ASSERT_TRUE(cache->Current(kBerlin).ok());
  EXPECT_EQ(inner_->calls(), 2);
}

TEST_F(WeatherCacheTest, FailuresAreCachedBriefly) {
  auto cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  inner_->SetAnswer(Status::Unavailable("provider down"));
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto weather = cache->Current(kBerlin);
    ASSERT_FALSE(weather.ok());
    EXPECT_EQ(weather.status(), Status::Unavailable("provider down"));
  }
  EXPECT_EQ(inner_->calls(), 1);  // the dead provider was asked once, not five times
  EXPECT_EQ(cache->Stats().failures, 1u);
  EXPECT_EQ(cache->Stats().hits, 4u);

  clock_.Advance(60 * kMicrosPerSecond);
  inner_->SetAnswer(Weather{Condition::kFog, 3, 5'000});
  auto recovered = cache->Current(kBerlin);
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(recovered->condition, Condition::kFog);
  EXPECT_EQ(inner_->calls(), 2);
  clock_.Advance(60 * kMicrosPerSecond);  // a success lives the long TTL
  ASSERT_TRUE(cache->Current(kBerlin).ok());
  EXPECT_EQ(inner_->calls(), 2);
}

TEST_F(WeatherCacheTest, ZeroNegativeTtlCachesNoFailure) {
  auto cache = MakeCache({.negative_ttl_us = 0});
  ASSERT_NE(cache, nullptr);
  inner_->SetAnswer(Status::Unavailable("down"));
  EXPECT_FALSE(cache->Current(kBerlin).ok());
  EXPECT_FALSE(cache->Current(kBerlin).ok());
  EXPECT_EQ(inner_->calls(), 2);
  EXPECT_EQ(cache->Stats().entries, 0u);
}

TEST_F(WeatherCacheTest, EvictsTheOldestBeyondTheBound) {
  auto cache = MakeCache({.max_entries = 3});
  ASSERT_NE(cache, nullptr);
  for (int cell = 0; cell < 10; ++cell) {
    ASSERT_TRUE(cache->Current({10.0 + cell, 20}).ok());
    clock_.Advance(kMicrosPerSecond);
    EXPECT_LE(cache->Stats().entries, 3u);
  }
  EXPECT_EQ(inner_->calls(), 10);
  ASSERT_TRUE(cache->Current({19, 20}).ok());  // among the newest three: a hit
  EXPECT_EQ(inner_->calls(), 10);
  ASSERT_TRUE(cache->Current({10, 20}).ok());  // evicted long ago: fetched again
  EXPECT_EQ(inner_->calls(), 11);
  EXPECT_EQ(cache->Stats().entries, 3u);
}

TEST_F(WeatherCacheTest, InvalidLocationIsRefusedUncounted) {
  auto cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->Current({0, 200}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cache->Current({std::numeric_limits<double>::quiet_NaN(), 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(inner_->calls(), 0);
  const WeatherCacheStats stats = cache->Stats();
  EXPECT_EQ(stats.hits + stats.misses + stats.failures + stats.coalesced, 0u);
}

TEST_F(WeatherCacheTest, ConcurrentMissesCoalesce) {
  auto cache = MakeCache();
  ASSERT_NE(cache, nullptr);
  inner_->Block();
  std::optional<Result<Weather>> first;
  std::optional<Result<Weather>> second;
  std::thread leader([&] { first.emplace(cache->Current(kBerlin)); });
  ASSERT_TRUE(testing::WaitFor([&] { return inner_->calls() == 1; }, 5000));
  std::thread follower([&] { second.emplace(cache->Current({52.49, 13.44})); });
  ASSERT_TRUE(testing::WaitFor([&] { return cache->Stats().coalesced == 1; }, 5000));
  inner_->Release();
  leader.join();
  follower.join();
  ASSERT_TRUE(first.has_value() && first->ok());
  ASSERT_TRUE(second.has_value() && second->ok());
  EXPECT_EQ((*second)->condition, Condition::kClear);
  EXPECT_EQ(inner_->calls(), 1);
  EXPECT_EQ(cache->Stats().misses, 1u);
}

TEST_F(WeatherCacheTest, CreateRefusesBadOptions) {
  EXPECT_EQ(CachedWeatherProvider::Create(nullptr, clock_).status().code(),
            StatusCode::kInvalidArgument);
  auto inner = [] { return std::make_unique<ScriptedProvider>(); };
  EXPECT_EQ(CachedWeatherProvider::Create(inner(), clock_, {.ttl_us = 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CachedWeatherProvider::Create(inner(), clock_, {.negative_ttl_us = -1}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CachedWeatherProvider::Create(inner(), clock_, {.max_entries = 0}).status().code(),
            StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Fixed provider and specs

TEST(WeatherSpec, None) {
  FakeClock clock(1'000);
  auto provider = MakeWeatherProvider("none", clock);
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  EXPECT_EQ(provider->get(), nullptr);
}

TEST(WeatherSpec, Fixed) {
  FakeClock clock(Micros("2026-11-24T10:00:00Z"));
  auto provider = MakeWeatherProvider("fixed:rain:12.5", clock);
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  ASSERT_NE(provider->get(), nullptr);
  auto weather = (*provider)->Current(kBerlin);
  ASSERT_TRUE(weather.ok());
  EXPECT_EQ(weather->condition, Condition::kRain);
  EXPECT_DOUBLE_EQ(weather->temperature_c, 12.5);
  EXPECT_EQ(weather->observed_us, clock.NowMicros());
  EXPECT_EQ((*provider)->Current({-91, 0}).status().code(), StatusCode::kInvalidArgument);

  auto cold = MakeWeatherProvider("fixed:snow:-7", clock);
  ASSERT_TRUE(cold.ok());
  EXPECT_DOUBLE_EQ((*cold)->Current(kBerlin)->temperature_c, -7);

  FixedWeatherProvider fixed(Weather{Condition::kStorm, 30, 42});
  EXPECT_EQ(fixed.Current({0, 0})->observed_us, 42);
}

TEST(WeatherSpec, OpenMeteoIsCached) {
  StubServer server({});
  FakeClock clock(Micros("2026-11-24T10:00:00Z"));
  auto provider = MakeWeatherProvider("open-meteo:" + server.base_url(), clock);
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  ASSERT_NE(dynamic_cast<CachedWeatherProvider*>(provider->get()), nullptr);
  for (int call = 0; call < 3; ++call) {
    auto weather = (*provider)->Current(kBerlin);
    ASSERT_TRUE(weather.ok()) << weather.status().ToString();
    EXPECT_EQ(weather->condition, Condition::kRain);
  }
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_NE(server.requests()[0].find("latitude=52.5&longitude=13.4&"), std::string::npos);
}

TEST(WeatherSpec, RefusesBadSpecs) {
  FakeClock clock(1'000);
  for (const char* bad : {"", "None", "fixd:rain:1", "fixed", "fixed:", "fixed:rain",
                          "fixed:hail:1", "fixed:rain:", "fixed:rain:abc", "fixed:rain:12x",
                          "fixed:rain:1e3", "fixed:rain:nan", "fixed:rain:inf", "fixed:rain:1:2",
                          "open-meteo", "open-meteo:", "open-meteo:ftp://example.com",
                          "open-meteo:http://example.com/v1", "open-meteo:example.com"}) {
    auto provider = MakeWeatherProvider(bad, clock);
    ASSERT_FALSE(provider.ok()) << bad;
    EXPECT_EQ(provider.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(provider.status().message().find("bad weather provider"), std::string::npos)
        << provider.status().ToString();
  }
  auto unknown = MakeWeatherProvider("fixed:hail:1", clock);
  EXPECT_NE(unknown.status().message().find("unknown condition 'hail'"), std::string::npos);
  auto url = MakeWeatherProvider("open-meteo:ftp://example.com", clock);
  EXPECT_NE(url.status().message().find("http:// or https://"), std::string::npos);
}

}  // namespace
}  // namespace mercato

// mercato_loadgen: an HTTP/1.1 keep-alive load generator for the benchmarks, closed or open loop.
//
// Closed loop (--rate 0, the default): C connections each send one request, wait for the whole
// response, and send the next (the offered load adapts to the server, so throughput and latency
// are measured together).
//
// Open loop (--rate R): each connection sends its share R / C on a fixed schedule, connection i's
// sends offset by i / R so the whole stream is evenly spaced. A request's latency runs from its
// *scheduled* send time to the end of its response, so time a request spends waiting for the
// previous one on its connection counts (no coordinated omission: a stalled server shows up in the
// percentiles). A connection still waiting for a response when its next send is due sends as soon
// as the response arrives ("late_sends"); what it could not send before the window closed is
// "unsent".
//
// Requests are serialised once per connection; before each send the body's messageIds and userIds
// are patched in place, and a "{n}" in --path is replaced by a random number below --users (sent
// as its own buffer), so every event is new and the hot loop does not allocate.
//
// Output: one JSON line on stdout. Rates and latency percentiles cover the measured window only
// (after --warmup-s): in closed loop, requests sent and answered within it; in open loop, requests
// scheduled within it (their responses are awaited, up to 5 s, after it closes). "achieved_rps" is
// requests actually sent within the window per second. "errors" counts every failed request of the
// whole run, warm-up included: transport failures (connect, reset, malformed response) plus non-2xx
// answers, which are also counted alone in "non_2xx". The first non-2xx response is echoed to
// stderr.

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

#include "bench/bench_events.h"
#include "bench/latency_histogram.h"

namespace mercato::bench {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

struct Config {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int connections = 64;
  int threads = 1;
  double duration_s = 10;
  double warmup_s = 2;
  std::string mode = "batch";
  size_t batch_size = 100;
  std::string key;
  std::string path;
  uint64_t users = kDefaultUsers;
  double rate = 0;  // requests/s over all connections; 0 = closed loop
  uint64_t seed = 1;
};

// Where "{n}" or "{n:0W}" (at least W digits, zero-padded, like printf's %0Wd) sits in a path.
struct PathToken {
  size_t pos = std::string::npos;
  size_t length = 0;
  size_t width = 0;  // minimum digits; 0 = plain decimal
};

// Finds the first "{n}" / "{n:0W}" in `path`; false when a "{n" is malformed.
bool FindPathToken(std::string_view path, PathToken& token) {
  token = PathToken{};
  size_t pos = path.find("{n");
  if (pos == std::string_view::npos) return true;
  size_t close = path.find('}', pos);
  if (close == std::string_view::npos) return false;
  std::string_view inner = path.substr(pos + 2, close - pos - 2);
  size_t width = 0;
  if (!inner.empty()) {
    if (inner.size() < 3 || inner.substr(0, 2) != ":0") return false;
    auto [end, ec] = std::from_chars(inner.data() + 2, inner.data() + inner.size(), width);
    if (ec != std::errc() || end != inner.data() + inner.size() || width < 1 || width > 20)
      return false;
  }
  token.pos = pos;
  token.length = close + 1 - pos;
  token.width = width;
  return true;
}

std::string Base64(std::string_view in) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t pos = 0;
  for (; pos + 2 < in.size(); pos += 3) {
    uint32_t v = (uint8_t(in[pos]) << 16) | (uint8_t(in[pos + 1]) << 8) | uint8_t(in[pos + 2]);
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], kTable[v & 63]};
  }
  if (pos + 1 == in.size()) {
    uint32_t v = uint8_t(in[pos]) << 16;
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], '=', '='};
  } else if (pos + 2 == in.size()) {
    uint32_t v = (uint8_t(in[pos]) << 16) | (uint8_t(in[pos + 1]) << 8);
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], '='};
  }
  return out;
}

bool IEqualsPrefix(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  for (size_t pos = 0; pos < lower_prefix.size(); ++pos) {
    char c = text[pos];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_prefix[pos]) return false;
  }
  return true;
}

// State every connection reads; the counters are the only shared writes.
struct Run {
  Config config;
  tcp::endpoint endpoint;
  uint64_t run_nonce = 0;
  size_t events_per_request = 0;
  SteadyClock::time_point start;  // open loop: the schedule's origin
  SteadyClock::time_point measure_start;
  SteadyClock::time_point measure_end;
  PathToken path_token;  // in Config::path
  std::atomic<uint64_t> next_counter{0};
  std::atomic<bool> stopping{false};
  std::atomic<int> active{0};
  std::mutex first_failure_mu;
  std::string first_failure;  // guarded by first_failure_mu
};

// One keep-alive connection. All its handlers run one at a time (one operation outstanding), so
// its members need no lock even with several io_context threads.
class Connection {
 public:
  Connection(net::io_context& ioc, Run& run, int index)
      : socket_(ioc),
        timer_(ioc),
        run_(run),
        index_(index),
        rng_(run.run_nonce ^ (0x51ED27ull * (index + 1))),
        path_rng_(Rng(run.config.seed * 0xD1B54A32D192ED03ull + index).Next()) {
    const Config& config = run.config;
    std::string path = config.path;
    size_t token_in_path = run.path_token.pos;
    std::string method = "POST";
    if (config.mode == "batch") {
      body_ = MakeBatchBody(config.batch_size, run.run_nonce, rng_.Next());
      if (path.empty()) path = "/v1/batch";
    } else if (config.mode == "single") {
      body_ = MakeTrackBody(run.run_nonce, rng_.Next());
      if (path.empty()) path = "/v1/track";
    } else {
      method = "GET";
      if (path.empty()) path = "/";
    }
    request_ = method + " " + path + " HTTP/1.1\r\nHost: " + config.host + ":" +
               std::to_string(config.port) + "\r\nUser-Agent: mercato-loadgen\r\n";
    if (token_in_path != std::string::npos) token_pos_ = method.size() + 1 + token_in_path;
    if (!config.key.empty())
      request_ += "Authorization: Basic " + Base64(config.key + ":") + "\r\n";
    if (method == "POST") {
      request_ +=
          "Content-Type: application/json\r\nContent-Length: " + std::to_string(body_.text.size()) +
          "\r\n";
    }
    request_ += "\r\n";
    body_offset_ = request_.size();
    request_ += body_.text;
    read_buffer_.resize(64 * 1024);
    if (config.rate > 0) {
      interval_ns_ = 1e9 * config.connections / config.rate;
      offset_ns_ = 1e9 * index_ / config.rate;
    }
  }

  void Start() {
    run_.active.fetch_add(1);
    Connect();
  }

  const LatencyHistogram& latency() const { return latency_; }
  uint64_t completed() const { return completed_; }
  uint64_t errors() const { return errors_; }
  uint64_t non_2xx() const { return non_2xx_; }
  uint64_t sent() const { return sent_; }
  uint64_t late_sends() const { return late_sends_; }
  // Open loop: sends scheduled within the measured window that never went out.
  uint64_t unsent() const {
    if (interval_ns_ <= 0) return 0;
    // The first slot scheduled at or after `time`.
    const auto first_slot_at = [this](SteadyClock::time_point time) {
      const double since = static_cast<double>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(time - run_.start).count());
      return static_cast<uint64_t>(std::max(0.0, std::ceil((since - offset_ns_) / interval_ns_)));
    };
    const uint64_t first = std::max(slot_, first_slot_at(run_.measure_start));
    const uint64_t end = first_slot_at(run_.measure_end);
    return end > first ? end - first : 0;
  }

 private:
  void Connect() {
    if (run_.stopping.load(std::memory_order_relaxed)) return Done();
    boost::system::error_code ignored;
    socket_.close(ignored);
    socket_.async_connect(run_.endpoint, [this](boost::system::error_code ec) {
      if (ec) return Fail();
      boost::system::error_code ignored_option;
      socket_.set_option(tcp::no_delay(true), ignored_option);
      SendWhenDue();
    });
  }

  // Send time of the connection's `slot`-th request in open loop.
  SteadyClock::time_point ScheduledAt(uint64_t slot) const {
    return run_.start + std::chrono::nanoseconds(static_cast<int64_t>(
                            offset_ns_ + interval_ns_ * static_cast<double>(slot)));
  }

  // Closed loop: sends at once. Open loop: sends at the next scheduled time, or at once (late)
  // when that time has passed.
  void SendWhenDue() {
    if (run_.stopping.load(std::memory_order_relaxed)) return Done();
    if (interval_ns_ <= 0) return SendNext(SteadyClock::now());
    const SteadyClock::time_point due = ScheduledAt(slot_);
    if (due >= run_.measure_end) return Done();
    const auto now = SteadyClock::now();
    if (now >= due) {
      if (due >= run_.measure_start) ++late_sends_;
      return SendNext(due);
    }
    timer_.expires_at(due);
    timer_.async_wait([this, due](boost::system::error_code ec) {
      if (ec) return Done();
      if (run_.stopping.load(std::memory_order_relaxed)) return Done();
      SendNext(due);
    });
  }

  // Sends the next request; its latency is measured from `timed_from`.
  void SendNext(SteadyClock::time_point timed_from) {
    if (!body_.message_id_offsets.empty()) {
      uint64_t first =
          run_.next_counter.fetch_add(body_.message_id_offsets.size(), std::memory_order_relaxed);
      Patch(body_, request_.data() + body_offset_, first, rng_, run_.config.users);
    }
    read_length_ = 0;
    sent_at_ = timed_from;
    if (interval_ns_ > 0) ++slot_;
    const auto now = SteadyClock::now();
    if (now >= run_.measure_start && now < run_.measure_end) ++sent_;
    if (token_pos_ == std::string::npos) {
      net::async_write(socket_, net::buffer(request_),
                       [this](boost::system::error_code ec, size_t) {
                         if (ec) return Fail();
                         ReadMore();
                       });
      return;
    }
    const PathToken& token = run_.path_token;
    const uint64_t value = path_rng_.Uniform(run_.config.users);
    // Like printf's %0Wd: at least `width` digits, zero-padded.
    size_t digits = static_cast<size_t>(
        std::to_chars(number_.data(), number_.data() + number_.size(), value).ptr - number_.data());
    if (digits < token.width) {
      WriteFixedDecimal(number_.data(), token.width, value);
      digits = token.width;
    }
    const std::array<net::const_buffer, 3> buffers = {
        net::buffer(request_.data(), token_pos_), net::buffer(number_.data(), digits),
        net::buffer(request_.data() + token_pos_ + token.length,
                    request_.size() - token_pos_ - token.length)};
    net::async_write(socket_, buffers, [this](boost::system::error_code ec, size_t) {
      if (ec) return Fail();
      ReadMore();
    });
  }

  void ReadMore() {
    if (read_length_ == read_buffer_.size()) return Fail();  // a response we do not expect
    socket_.async_read_some(
        net::buffer(read_buffer_.data() + read_length_, read_buffer_.size() - read_length_),
        [this](boost::system::error_code ec, size_t bytes) {
          if (ec) return Fail();
          read_length_ += bytes;
          OnBytes();
        });
  }

  // Parses just enough of the response: the status code, Content-Length and Connection: close.
  void OnBytes() {
    std::string_view data(read_buffer_.data(), read_length_);
    size_t header_end = data.find("\r\n\r\n");
    if (header_end == std::string_view::npos) return ReadMore();
    if (data.size() < 12 || data.substr(0, 7) != "HTTP/1." || data[8] != ' ') return Fail();
    int status = (data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0');
    size_t content_length = 0;
    bool close = false;
    size_t line_start = data.find("\r\n") + 2;
    while (line_start < header_end) {
      size_t line_end = data.find("\r\n", line_start);
      std::string_view line = data.substr(line_start, line_end - line_start);
      if (IEqualsPrefix(line, "content-length:")) {
        for (char c : line.substr(15)) {
          if (c >= '0' && c <= '9') content_length = content_length * 10 + (c - '0');
        }
      } else if (IEqualsPrefix(line, "connection:") &&
                 line.find("close") != std::string_view::npos) {
        close = true;
      }
      line_start = line_end + 2;
    }
    const size_t total = header_end + 4 + content_length;
    if (total > read_buffer_.size()) return Fail();
    if (read_length_ < total) return ReadMore();

    const auto now = SteadyClock::now();
    if (status < 200 || status > 299) {
      ++non_2xx_;
      ++errors_;
      RememberFailure(data.substr(0, std::min<size_t>(total, 400)));
    } else if (sent_at_ >= run_.measure_start &&
               (interval_ns_ > 0 ? sent_at_ < run_.measure_end : now < run_.measure_end)) {
      ++completed_;
      latency_.Record(static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent_at_).count()));
    }
    if (close) return Connect();
    SendWhenDue();
  }

  void RememberFailure(std::string_view response) {
    std::lock_guard lock(run_.first_failure_mu);
    if (run_.first_failure.empty()) run_.first_failure = std::string(response);
  }

  // Counts the failure and reconnects after a pause, so a dead server is not spun on.
  void Fail() {
    ++errors_;
    boost::system::error_code ignored;
    socket_.close(ignored);
    if (run_.stopping.load(std::memory_order_relaxed)) return Done();
    timer_.expires_after(std::chrono::milliseconds(50));
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return Done();
      Connect();
    });
  }

  void Done() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    run_.active.fetch_sub(1);
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  Run& run_;
  int index_;
  Rng rng_;
  Rng path_rng_;  // draws "{n}", seeded by --seed
  PatchableBody body_;
  std::string request_;  // headers + body, patched in place before each send
  size_t body_offset_ = 0;
  size_t token_pos_ = std::string::npos;  // where "{n}" sits in request_
  std::array<char, 24> number_{};         // the digits sent in its place
  double interval_ns_ = 0;                // open loop: between this connection's sends
  double offset_ns_ = 0;                  // open loop: its first send after Run::start
  uint64_t slot_ = 0;                     // open loop: index of the next scheduled send
  std::vector<char> read_buffer_;
  size_t read_length_ = 0;
  SteadyClock::time_point sent_at_;
  LatencyHistogram latency_;
  uint64_t completed_ = 0;
  uint64_t errors_ = 0;
  uint64_t non_2xx_ = 0;
  uint64_t sent_ = 0;  // sent within the measured window
  uint64_t late_sends_ = 0;
};

int Main(int argc, char** argv) {
  Config config;
  CLI::App app{"mercato_loadgen: HTTP/1.1 keep-alive load generator, closed or open loop"};
  app.add_option("--host", config.host, "Server address")->capture_default_str();
  app.add_option("--port", config.port, "Server port")->required();
  app.add_option("--connections", config.connections, "Concurrent keep-alive connections")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  app.add_option("--threads", config.threads, "Threads running the io_context")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--duration-s", config.duration_s, "Measured seconds")->capture_default_str();
  app.add_option("--warmup-s", config.warmup_s, "Seconds before measuring")->capture_default_str();
  app.add_option("--mode", config.mode, "batch = POST /v1/batch, single = POST /v1/track, get")
      ->check(CLI::IsMember({"batch", "single", "get"}))
      ->capture_default_str();
  app.add_option("--batch-size", config.batch_size, "Events per batch request")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  app.add_option("--key", config.key,
                 "API key of any scope (HTTP Basic user name, empty password), sent in every mode");
  app.add_option("--path", config.path,
                 "Request path (default by mode); {n} or {n:0W} (zero-padded to W digits) is "
                 "replaced per request by a random integer in [0, --users)");
  app.add_option("--users", config.users, "Distinct userIds (and range of {n} in --path)")
      ->check(CLI::Range(1, 99'999'999))
      ->capture_default_str();
  app.add_option("--rate", config.rate,
                 "Open loop: requests/s over all connections on a fixed schedule, latency timed "
                 "from each request's scheduled send (0 = closed loop)")
      ->check(CLI::Range(0.0, 10'000'000.0))
      ->capture_default_str();
  app.add_option("--seed", config.seed, "Seed of the {n} draws in --path")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  boost::system::error_code ec;
  auto address = net::ip::make_address(config.host, ec);
  if (ec) {
    std::fprintf(stderr, "mercato_loadgen: bad --host '%s'\n", config.host.c_str());
    return 2;
  }
  Run run;
  run.config = config;
  if (!FindPathToken(config.path, run.path_token)) {
    std::fprintf(stderr, "mercato_loadgen: bad {n} in --path '%s' (use {n} or {n:0W})\n",
                 config.path.c_str());
    return 2;
  }
  run.endpoint = tcp::endpoint(address, config.port);
  run.run_nonce = static_cast<uint64_t>(SteadyClock::now().time_since_epoch().count()) ^
                  (static_cast<uint64_t>(getpid()) << 32);
  run.events_per_request = config.mode == "batch"    ? config.batch_size
                           : config.mode == "single" ? 1
                                                     : 0;
  const auto start = SteadyClock::now();
  run.start = start;
  const auto to_duration = [](double seconds) {
    return std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(seconds));
  };
  run.measure_start = start + to_duration(config.warmup_s);
  run.measure_end = run.measure_start + to_duration(config.duration_s);

  net::io_context ioc(config.threads);
  std::vector<std::unique_ptr<Connection>> connections;
  for (int index = 0; index < config.connections; ++index) {
    connections.push_back(std::make_unique<Connection>(ioc, run, index));
  }
  // Keeps run() from returning while every connection waits in a reconnect pause.
  auto guard = net::make_work_guard(ioc);
  for (auto& connection : connections) connection->Start();
  std::vector<std::thread> threads;
  for (int k = 0; k < config.threads; ++k) threads.emplace_back([&ioc] { ioc.run(); });

  std::this_thread::sleep_until(run.measure_end);
  run.stopping.store(true);
  // Lets in-flight requests finish (bounded), then abandons what is left.
  const auto give_up = SteadyClock::now() + std::chrono::seconds(5);
  while (run.active.load() > 0 && SteadyClock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  guard.reset();
  ioc.stop();
  for (auto& thread : threads) thread.join();

  LatencyHistogram latency;
  uint64_t completed = 0;
  uint64_t errors = 0;
  uint64_t non_2xx = 0;
  uint64_t sent = 0;
  uint64_t late_sends = 0;
  uint64_t unsent = 0;
  for (const auto& connection : connections) {
    latency.Merge(connection->latency());
    completed += connection->completed();
    errors += connection->errors();
    non_2xx += connection->non_2xx();
    sent += connection->sent();
    late_sends += connection->late_sends();
    unsent += connection->unsent();
  }
  if (!run.first_failure.empty()) {
    std::fprintf(stderr, "mercato_loadgen: first non-2xx response:\n%s\n",
                 run.first_failure.c_str());
  }
  const double requests_per_s = static_cast<double>(completed) / config.duration_s;
  std::printf(
      "{\"mode\":\"%s\",\"connections\":%d,\"threads\":%d,\"batch_size\":%zu,"
      "\"duration_s\":%.1f,\"requests\":%llu,\"requests_per_s\":%.0f,\"events_per_s\":%.0f,"
      "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"errors\":%llu,"
      "\"non_2xx\":%llu,\"rate\":%g,\"achieved_rps\":%.0f,\"late_sends\":%llu,"
      "\"unsent\":%llu,\"max_ms\":%.3f}\n",
      config.mode.c_str(), config.connections, config.threads, run.events_per_request,
      config.duration_s, static_cast<unsigned long long>(completed), requests_per_s,
      requests_per_s * static_cast<double>(run.events_per_request), latency.Percentile(0.50) / 1e6,
      latency.Percentile(0.90) / 1e6, latency.Percentile(0.99) / 1e6,
      latency.Percentile(0.999) / 1e6, static_cast<unsigned long long>(errors),
      static_cast<unsigned long long>(non_2xx), config.rate,
      static_cast<double>(sent) / config.duration_s, static_cast<unsigned long long>(late_sends),
      static_cast<unsigned long long>(unsent), latency.Percentile(1.0) / 1e6);
  return 0;
}

}  // namespace
}  // namespace mercato::bench

int main(int argc, char** argv) { return mercato::bench::Main(argc, argv); }

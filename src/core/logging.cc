#include "core/logging.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "core/clock.h"
#include "core/time_format.h"

namespace mercato {
namespace {

std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};
std::mutex g_sink_mu;
std::function<void(std::string_view)> g_sink;  // guarded by g_sink_mu
std::atomic<bool> g_has_sink{false};
thread_local std::string t_request_id;

constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void Emit(std::string line) {
  line.push_back('\n');
  if (g_has_sink.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(g_sink_mu);
    if (g_sink) {
      g_sink(line);
      return;
    }
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string Now() { return FormatTimestamp(SystemClock::Instance().NowMicros()); }

void AppendNumber(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buffer[32];
  const int n = std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  out.append(buffer, static_cast<size_t>(n));
}

}  // namespace

void SetMinLogLevel(LogLevel level) { g_min_level.store(static_cast<int>(level)); }
LogLevel MinLogLevel() { return static_cast<LogLevel>(g_min_level.load()); }
void SetLogFormat(LogFormat format) { g_format.store(static_cast<int>(format)); }
LogFormat CurrentLogFormat() { return static_cast<LogFormat>(g_format.load()); }

void SetLogSinkForTesting(std::function<void(std::string_view line)> sink) {
  std::lock_guard<std::mutex> lock(g_sink_mu);
  g_has_sink.store(static_cast<bool>(sink), std::memory_order_release);
  g_sink = std::move(sink);
}

ScopedRequestId::ScopedRequestId(std::string_view request_id) : previous_(std::move(t_request_id)) {
  t_request_id.assign(request_id);
}
ScopedRequestId::~ScopedRequestId() { t_request_id = std::move(previous_); }
std::string_view CurrentRequestId() { return t_request_id; }

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned char>(c));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out;
}

void LogFields(LogLevel level, std::string_view msg,
               const std::vector<std::pair<std::string_view, std::string>>& fields,
               const std::vector<std::pair<std::string_view, double>>& numbers) {
  if (level < MinLogLevel()) return;
  std::string line;
  if (CurrentLogFormat() == LogFormat::kJson) {
    line = "{\"time\":\"" + Now() + "\",\"level\":\"" + kNames[static_cast<int>(level)] +
           "\",\"msg\":\"" + JsonEscape(msg) + "\"";
    for (const auto& [key, value] : fields) {
      line += ",\"" + JsonEscape(key) + "\":\"" + JsonEscape(value) + "\"";
    }
    for (const auto& [key, value] : numbers) {
      line += ",\"" + JsonEscape(key) + "\":";
      AppendNumber(line, value);
    }
    line += "}";
  } else {
    line = Now() + " " + kNames[static_cast<int>(level)] + " " + std::string(msg);
    for (const auto& [key, value] : fields) line += " " + std::string(key) + "=" + value;
    for (const auto& [key, value] : numbers) {
      line += " " + std::string(key) + "=";
      AppendNumber(line, value);
    }
  }
  Emit(std::move(line));
}

LogMessage::LogMessage(LogLevel level, const char* file, int line)
    : level_(level), file_(file), line_(line) {}

LogMessage::~LogMessage() {
  const char* base = std::strrchr(file_, '/');
  const std::string at = std::string(base ? base + 1 : file_) + ":" + std::to_string(line_);
  const std::string text = stream_.str();
  std::string line;
  if (CurrentLogFormat() == LogFormat::kJson) {
    line = "{\"time\":\"" + Now() + "\",\"level\":\"" + kNames[static_cast<int>(level_)] +
           "\",\"at\":\"" + JsonEscape(at) + "\",\"msg\":\"" + JsonEscape(text) + "\"";
    if (!t_request_id.empty()) line += ",\"requestId\":\"" + JsonEscape(t_request_id) + "\"";
    line += "}";
  } else {
    line = Now() + " " + kNames[static_cast<int>(level_)] + " " + at + "] " + text;
    if (!t_request_id.empty()) line += " [request_id=" + t_request_id + "]";
  }
  Emit(std::move(line));
}

}  // namespace mercato

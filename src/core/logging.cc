#include "core/logging.h"

#include <atomic>
#include <cmath>
#include <cstdint>
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

namespace {

// The length of the valid UTF-8 sequence at `i`, or 0 (overlong forms, surrogates and code points
// above U+10FFFF are not valid).
size_t Utf8Length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length = 0;
  uint32_t point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    point = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    point = (point << 6) | (byte(i + k) & 0x3F);
  }
  const uint32_t smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
  if (point < smallest || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      // Valid UTF-8 passes through; any other byte becomes U+FFFD, so the line stays JSON.
      const size_t length = Utf8Length(text, i);
      if (length == 0) {
        out += "\\ufffd";
      } else {
        out.append(text.substr(i, length));
        i += length - 1;
      }
      continue;
    }
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

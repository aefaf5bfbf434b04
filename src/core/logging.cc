#include "core/logging.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#include "core/clock.h"
#include "core/time_format.h"

namespace mercato {
namespace {
std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
}

void SetMinLogLevel(LogLevel level) { g_min_level.store(static_cast<int>(level)); }
LogLevel MinLogLevel() { return static_cast<LogLevel>(g_min_level.load()); }

LogMessage::LogMessage(LogLevel level, const char* file, int line) : level_(level) {
  static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  const char* base = std::strrchr(file, '/');
  stream_ << FormatTimestamp(SystemClock::Instance().NowMicros()) << ' '
          << kNames[static_cast<int>(level_)] << ' ' << (base ? base + 1 : file) << ':' << line
          << "] ";
}

LogMessage::~LogMessage() {
  stream_ << '\n';
  std::string text = stream_.str();
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace mercato

#pragma once
// Minimal leveled logging to stderr: LOG(INFO) << "text". One line per statement, written whole.
// Thread safety: safe from any thread.

#include <sstream>
#include <string>

namespace mercato {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();

class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

}  // namespace mercato

#define MERCATO_LOG_LEVEL_DEBUG ::mercato::LogLevel::kDebug
#define MERCATO_LOG_LEVEL_INFO ::mercato::LogLevel::kInfo
#define MERCATO_LOG_LEVEL_WARNING ::mercato::LogLevel::kWarning
#define MERCATO_LOG_LEVEL_ERROR ::mercato::LogLevel::kError
#define LOG(level)                                            \
  if (MERCATO_LOG_LEVEL_##level < ::mercato::MinLogLevel()) { \
  } else                                                      \
    ::mercato::LogMessage(MERCATO_LOG_LEVEL_##level, __FILE__, __LINE__).stream()

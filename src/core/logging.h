#pragma once
// Minimal leveled logging to stderr: LOG(INFO) << "text". One line per statement, written whole.
//
// Two formats (docs/operations.md "Logs"):
//   text: 2026-11-25T01:02:03.456Z INFO file.cc:42] message [request_id=...]
//   json: {"time":"...","level":"INFO","at":"file.cc:42","msg":"...","requestId":"..."}
// The request id is the one the calling thread is serving (ScopedRequestId), if any. LogFields
// writes one structured record (the HTTP access log) in either format.
//
// Thread safety: safe from any thread; the format and sink are set once at start.

#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mercato {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kText, kJson };

void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();
void SetLogFormat(LogFormat format);
LogFormat CurrentLogFormat();
// Where lines go instead of stderr (tests); an empty function restores stderr.
void SetLogSinkForTesting(std::function<void(std::string_view line)> sink);

// Marks the calling thread as serving `request_id` until destroyed (nests; restores the outer).
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string_view request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};
std::string_view CurrentRequestId();

// One structured record: text "msg key=value ...", or JSON with the fields as strings (numbers
// given as numbers stay numbers: pass them in `numbers`).
void LogFields(LogLevel level, std::string_view msg,
               const std::vector<std::pair<std::string_view, std::string>>& fields,
               const std::vector<std::pair<std::string_view, double>>& numbers = {});

// `text` as the inside of a JSON string: quotes, backslashes and control characters escaped,
// every byte that is not part of valid UTF-8 replaced by \ufffd.
std::string JsonEscape(std::string_view text);

class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  const char* file_;
  int line_;
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

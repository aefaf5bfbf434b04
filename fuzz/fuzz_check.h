#pragma once
// Invariant checks for fuzz targets: a violated invariant prints what failed, with the input as
// an escaped string, and aborts so that libFuzzer records the input as a crash.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace mercato::fuzz {

// The input being run, for the report (set by each target at the start of an iteration).
inline std::string_view current_input;

[[noreturn]] inline void Fail(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "%s:%d: invariant violated: %s\ninput (%zu bytes): \"", file, line,
               condition, current_input.size());
  const size_t shown = current_input.size() < 4096 ? current_input.size() : 4096;
  for (size_t k = 0; k < shown; ++k) {
    const unsigned char c = static_cast<unsigned char>(current_input[k]);
    if (c == '"' || c == '\\') {
      std::fprintf(stderr, "\\%c", c);
    } else if (c >= 0x20 && c < 0x7f) {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", c);
    }
  }
  std::fprintf(stderr, "\"%s\n", shown < current_input.size() ? "..." : "");
  std::abort();
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace mercato::fuzz

// Aborts (a crash for libFuzzer) when `condition` is false; active in every build type.
#define FUZZ_CHECK(condition) \
  ((condition) ? static_cast<void>(0) : ::mercato::fuzz::Fail(__FILE__, __LINE__, #condition))

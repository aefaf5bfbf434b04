#pragma once
// ASCII case mapping for identifiers and codes (device types, country codes); other bytes,
// UTF-8 included, are copied unchanged.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>

namespace mercato {

inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

inline std::string AsciiUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace mercato

#pragma once
// Big-endian fixed-width integer codecs: keys sort in numeric order under bytewise comparison.

#include <cstdint>
#include <string>
#include <string_view>

namespace mercato {

inline void PutFixed64BE(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}
inline void PutFixed32BE(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}
// Requires data.size() >= 8 (checked by callers that decode external bytes).
inline uint64_t GetFixed64BE(std::string_view data) {
  uint64_t value = 0;
  for (int k = 0; k < 8; ++k) value = (value << 8) | static_cast<unsigned char>(data[k]);
  return value;
}
inline uint32_t GetFixed32BE(std::string_view data) {
  uint32_t value = 0;
  for (int k = 0; k < 4; ++k) value = (value << 8) | static_cast<unsigned char>(data[k]);
  return value;
}
// Signed values flip the sign bit so that negative numbers sort first.
inline void PutInt64Ordered(std::string& out, int64_t value) {
  PutFixed64BE(out, static_cast<uint64_t>(value) ^ (1ull << 63));
}
inline int64_t GetInt64Ordered(std::string_view data) {
  return static_cast<int64_t>(GetFixed64BE(data) ^ (1ull << 63));
}

}  // namespace mercato

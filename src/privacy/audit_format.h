#pragma once
// Internal to the audit log (audit_log.cc, audit_verify.cc): the pieces of the line format both the
// writer and the verifier need (docs/formats/audit.md).
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato::audit {

inline constexpr size_t kHashHexBytes = 64;
inline const std::string kZeroHash(kHashHexBytes, '0');
// Every line ends with ,"hash":"<64 hex>"} and the hash covers the bytes before that suffix.
inline constexpr std::string_view kHashPrefix = ",\"hash\":\"";
inline constexpr size_t kHashSuffixBytes = kHashPrefix.size() + kHashHexBytes + 2;

inline constexpr std::string_view kLogFile = "audit.log";
inline constexpr std::string_view kAnchorFile = "audit.head";

// "<directory of log_path>/audit.head".
std::string AnchorPath(const std::string& log_path);

// The anchor's text: {"seq":n,"hash":"..."} and a newline.
std::string AnchorText(uint64_t seq, std::string_view hash);

struct Anchor {
  bool present = false;
  uint64_t seq = 0;
  std::string hash;
};
// Reads the anchor next to `log_path`: present=false when there is none; Corruption when it
// cannot be parsed; IoError when it cannot be read.
Result<Anchor> ReadAnchor(const std::string& log_path);

// Hex SHA-256 of `body`: the hash of a line whose bytes before the suffix are `body`.
std::string LineHash(std::string_view body);

}  // namespace mercato::audit

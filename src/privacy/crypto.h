#pragma once
// Cryptographic primitives on OpenSSL, as values: random bytes, SHA-256, HMAC-SHA-256,
// AES-256-GCM and unpadded base64url. Keys and digests are raw byte strings.
//
// Thread safety: pure functions, safe from any thread.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato::crypto {

inline constexpr size_t kKeyBytes = 32;    // AES-256 and HMAC keys
inline constexpr size_t kNonceBytes = 12;  // GCM nonce
inline constexpr size_t kTagBytes = 16;    // GCM tag
inline constexpr size_t kSealOverhead = kNonceBytes + kTagBytes;

// `n` bytes from the OS's CSPRNG (OpenSSL RAND_bytes). Internal error when it fails.
Result<std::string> RandomBytes(size_t n);

std::string Sha256(std::string_view data);  // 32 bytes
// SHA-256 of a file's bytes, read in pieces (32 bytes). IoError when it cannot be read.
Result<std::string> Sha256File(const std::string& path);
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 bytes

// AES-256-GCM with a fresh random nonce: returns nonce | ciphertext | tag. `aad` is authenticated
// but not stored. InvalidArgument for a key that is not 32 bytes.
Result<std::string> Seal(std::string_view key, std::string_view plaintext, std::string_view aad);
// Inverse of Seal. Corruption when the input is too short or does not authenticate (wrong key,
// wrong aad, or altered bytes).
Result<std::string> Open(std::string_view key, std::string_view sealed, std::string_view aad);

// Constant-time equality (for secrets and MACs).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// RFC 4648 base64url without padding, and its inverse (false on a character outside the alphabet
// or an impossible length).
std::string Base64UrlEncode(std::string_view bytes);
bool Base64UrlDecode(std::string_view text, std::string& bytes);

std::string HexEncode(std::string_view bytes);  // lowercase

}  // namespace mercato::crypto

#pragma once
// Pseudonyms: keyed digests that stand in for personal values wherever a value must be found again
// but must not be readable — e-mail identities, index keys of identities (so that database keys,
// which RocksDB also copies into its file metadata, never hold a userId or an address).
//
// Pseudonym(key, text) = the first 16 bytes of HMAC-SHA-256(key, text), base64url (22 characters).
// The key is the vault's pseudonym key (KeyVault::pseudonym_key()).
//
// Thread safety: pure function.

#include <string>
#include <string_view>

#include "privacy/crypto.h"

namespace mercato {

inline std::string Pseudonym(std::string_view key, std::string_view text) {
  return crypto::Base64UrlEncode(crypto::HmacSha256(key, text).substr(0, 16));
}

}  // namespace mercato

#pragma once
// Field encryption: a personal JSON value (a string, or any value such as an address object) is
// replaced in stored events and profiles by
//   {"$enc": "<base64url key id>.<base64url nonce | ciphertext | tag>"}
// where the plaintext is the value's JSON text, sealed with AES-256-GCM under the data key of the
// customer identity it belongs to (privacy/key_vault.h) and the key id as associated data. Readers
// decrypt with the vault; once the key is destroyed the value reads as erased (null).
//
// Incoming data must never carry the "$enc" member: ingestion rejects it, so a stored encrypted
// value always came from this server.
//
// Thread safety: pure functions over the vault, which is thread-safe.

#include <boost/json/value.hpp>
#include <cstddef>

#include "core/status.h"
#include "privacy/key_vault.h"

namespace mercato {

inline constexpr char kEncryptedMember[] = "$enc";

// The encrypted form of `value` under `key`.
Result<boost::json::value> EncryptValue(const boost::json::value& value, const DataKey& key);

// True when `value` is an object holding exactly the "$enc" member.
bool IsEncrypted(const boost::json::value& value);

// The plaintext value. NotFound when the data key was destroyed (the customer was erased),
// Corruption when the value is malformed or does not authenticate.
Result<boost::json::value> DecryptValue(const boost::json::value& encrypted, const KeyVault& vault);

struct DecryptStats {
  size_t decrypted = 0;
  size_t erased = 0;  // values whose key was destroyed: replaced by null
};

// Replaces every encrypted value inside `root` (at any depth) by its plaintext, or by null when its
// key was destroyed. Corruption on a malformed or altered value; IoError when the store fails.
Status DecryptTree(boost::json::value& root, const KeyVault& vault, DecryptStats* stats = nullptr);

// True when an object anywhere in `root` has a member named "$enc".
bool ContainsEncryptedMarker(const boost::json::value& root);

}  // namespace mercato

#pragma once
// KeyVault: one AES-256 data key per customer identity, wrapped by the master key and kept in the
// `keys` column family — the basis of crypto-shredding. Personal fields are encrypted with the key
// of the identity the event was routed by (privacy/field_cipher.h); erasing a customer destroys the
// keys of all its identities, after which every copy of those fields, in the log, in histories, in
// backups of the database, is ciphertext without a key.
//
// Records (docs/formats/keys.md):
//   "i/" Pseudonym(identity key "u:<userId>" | "a:<anonymousId>") -> key id (16 random bytes)
//   "k/" key id                                          -> Seal(master, data key, aad "dk" | id)
//   "m/check"                                            -> Seal(master, "mercato vault", aad
//   "check") "m/pseudonym"                                        -> Seal(master, 32 random bytes,
//   aad "pk")
// "m/check" proves at open that the master key is the one the vault was written with. The
// pseudonym key is the secret of keyed hashes (e-mail index, DLP hash tokens): it survives master
// key changes because it is stored, not derived.
//
// Durability: a new key is written (unsynced) before any event encrypted with it is appended; the
// WAL is one ordered file, so the sync that makes such an event durable makes its key durable too.
//
// Thread safety: all methods are safe from any thread. Creation of an identity's key happens under
// a per-shard mutex, so concurrent first events of one identity share one key.

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "storage/store.h"

namespace mercato {

struct DataKey {
  std::string id;   // 16 bytes
  std::string key;  // 32 bytes
};

class KeyVault {
 public:
  // Opens the vault of `store` with `master_key` (32 bytes), initialising a new vault.
  // FailedPrecondition (with a message naming the cause) when the master key is not the one the
  // vault was created with.
  static Result<std::unique_ptr<KeyVault>> Open(Store& store, std::string master_key);

  // The identity's key, created on first use. IoError when the store fails.
  Result<DataKey> KeyFor(std::string_view identity_key);
  // The key with this id; NotFound when it was destroyed (its customer was erased) or never
  // existed, Corruption when its record does not unwrap.
  Result<std::string> KeyById(std::string_view key_id) const;
  // The key id of an identity; NotFound when it has none.
  Result<std::string> KeyIdOf(std::string_view identity_key) const;

  // Destroys the identities' keys (one synced write) and forgets cached copies. Identities without
  // a key are skipped. Returns the number of keys destroyed.
  Result<size_t> Destroy(const std::vector<std::string>& identity_keys);

  // 32 bytes for keyed hashes of personal values (never leaves the process).
  const std::string& pseudonym_key() const { return pseudonym_key_; }

  // Drops every cached key (tests; after an erasure the cache is already consistent).
  void ClearCache();

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxCachedPerShard = 4096;
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, DataKey> by_identity;
    mutable std::unordered_map<std::string, std::string> by_id;
  };
  KeyVault(Store& store, std::string master_key) : store_(store), master_(std::move(master_key)) {}
  Shard& ShardOf(std::string_view text) const;
  Result<std::string> Unwrap(std::string_view key_id, std::string_view wrapped) const;

  Store& store_;
  const std::string master_;
  std::string pseudonym_key_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace mercato

#pragma once
// KeyStore: API keys managed at runtime, persisted in the store (Cf::kMeta, "apikey/<id>" -> the
// record as JSON, docs/formats/keys.md). Only the SHA-256 of a secret is stored; the secret itself
// is returned once, by Create and Rotate. Every change is published to the KeyRing the gateway
// authenticates with, and recorded in the audit log before it is made (a change whose audit entry
// cannot be written is not made).
//
// Thread safety: every method is safe from any thread; changes are serialised under a mutex and
// each is written with an fsync before it returns.

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "privacy/audit_log.h"
#include "server/auth.h"
#include "storage/store.h"

namespace mercato {

inline constexpr int64_t kDefaultGraceSeconds = 86'400;
inline constexpr int64_t kMaxGraceSeconds = 30 * 86'400;

// What a new key is to be.
struct KeySpec {
  std::string name;
  uint8_t scopes = 0;  // bits of Scope
  std::string source;  // required with the write scope
  std::vector<std::string> allowed_origins;
  int64_t expires_at_us = 0;  // 0: never
};

// A key with its secret, as shown once.
struct IssuedKey {
  ApiKeyRecord record;
  std::string secret;
};

// Checks a spec and normalises it (origins lowercased, duplicates dropped). InvalidArgument naming
// the field: an empty or over-long name, no scope, a write key without a source, an origin that is
// not "*" or scheme://host[:port] with scheme http or https, an expiry not in the future.
Status ValidateKeySpec(KeySpec& spec, int64_t now_us);

// The public view of a key (never a secret or its hash): id, name, scopes, source, allowedOrigins,
// createdAt, expiresAt, revokedAt, status ("active", "expired", "revoked") and managed (false for
// keys given as `serve` flags).
boost::json::object KeyView(const ApiKeyRecord& record, int64_t now_us);

class KeyStore {
 public:
  // Loads every stored key and publishes them to `ring` (may be null: offline tools). `audit` may
  // be null (no audit record). Corruption when a stored record does not decode.
  static Result<std::unique_ptr<KeyStore>> Open(Store& store, const Clock& clock, KeyRing* ring,
                                                AuditLog* audit);
  ~KeyStore();

  // Every stored key, oldest first.
  std::vector<ApiKeyRecord> List() const;
  size_t size() const;

  // In cluster mode, every change is passed to `publish` (the record as changed) after its audit
  // entry and before it is stored here; a change whose publish fails is not made (its error is
  // returned). Set before the store is used from other threads.
  using Publisher = std::function<Status(const ApiKeyRecord& record)>;
  void SetPublisher(Publisher publish) { publish_ = std::move(publish); }
  // Stores a key changed on another node (or this node's own change coming back): not audited
  // again and not published. A record equal to the stored one changes nothing. InvalidArgument
  // for a record without an id or a secret hash; IoError when it cannot be written.
  Status Apply(const ApiKeyRecord& record);

  // Creates a key with a fresh id and secret. InvalidArgument for an invalid spec (see
  // ValidateKeySpec); IoError when the audit entry or the record cannot be written.
  Result<IssuedKey> Create(KeySpec spec, const std::string& actor);
  // Issues a new secret; the old one keeps working for `grace_seconds` (0: stops at once; the
  // secrets of earlier rotations keep their own ends). NotFound for an unknown id; InvalidArgument
  // for a grace outside 0..kMaxGraceSeconds or a revoked or expired key; IoError as Create.
  Result<IssuedKey> Rotate(const std::string& id, int64_t grace_seconds, const std::string& actor);
  // Revokes a key at once (every secret of it). Revoking a revoked key changes nothing. NotFound
  // for an unknown id; IoError as Create.
  Result<ApiKeyRecord> Revoke(const std::string& id, const std::string& actor);

 private:
  KeyStore(Store& store, const Clock& clock, KeyRing* ring, AuditLog* audit);
  // Audits, publishes (Publisher), then stores `record`; mu_ held.
  Status Commit(const ApiKeyRecord& record, const AuditEntry& entry);
  // Persists `record` and hands every key to the ring; mu_ held.
  Status Persist(const ApiKeyRecord& record);

  Store& store_;
  const Clock& clock_;
  KeyRing* ring_;
  AuditLog* audit_;
  Publisher publish_;
  mutable std::mutex mu_;
  std::map<std::string, ApiKeyRecord> keys_;  // by id; guarded by mu_
};

// Record <-> stored JSON (docs/formats/keys.md). Decode: Corruption when malformed.
std::string EncodeKeyRecord(const ApiKeyRecord& record);
Result<ApiKeyRecord> DecodeKeyRecord(std::string_view json);

// The first admin key of a fresh installation: when `ring` holds no key at all (neither flag keys
// nor stored ones), creates an admin key named "initial admin", writes its secret to `secret_path`
// with mode 0600 and returns it; returns nullopt when keys exist. IoError when the file cannot be
// written.
Result<std::optional<IssuedKey>> CreateInitialAdminKey(KeyStore& keys, const KeyRing& ring,
                                                       const std::string& secret_path);

}  // namespace mercato

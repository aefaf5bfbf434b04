#pragma once
// API keys, their scopes, and authentication. A write key (what Segment calls a source's write key)
// sends events and names the source they come from; a read key reads profiles; an admin key may do
// everything. Credentials come as Segment sends them — HTTP Basic with the key's secret as user
// name and an empty password — or as "Authorization: Bearer <secret>".
//
// Secrets are never held: a key is found by the SHA-256 of the secret presented. Keys are either
// stored (managed at runtime through KeyStore, server/key_store.h) or bootstrap keys given as
// `serve` flags (held hashed in memory only).
//
// Thread safety: KeyRing publishes an immutable snapshot; Authenticate and PreflightAllows read the
// current one without blocking writers for longer than a pointer copy, and are safe from any thread
// while AddBootstrapKey or SetStoredKeys replace it.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "server/http_types.h"

namespace mercato {

// kFeedback only reports bounces and complaints (POST /v1/email/feedback): the key a mail server's
// bounce pipe or an ESP webhook holds, which can neither send events nor read anything.
enum class Scope : uint8_t { kWrite = 1, kRead = 2, kAdmin = 4, kFeedback = 8 };

// Whether a set of scopes (bits of Scope) grants `scope`; admin grants every scope.
bool HasScope(uint8_t scopes, Scope scope);
// "write", "read", "admin", "feedback"; InvalidArgument for another name.
Result<Scope> ParseScope(std::string_view name);
std::string_view ScopeName(Scope scope);
// The names of the bits set, in the order write, read, admin, feedback.
std::vector<std::string> ScopeNames(uint8_t scopes);

// A rotated-out secret that still authenticates until `valid_until_us`.
struct RetiredSecret {
  std::string sha256;  // 32 raw bytes
  int64_t valid_until_us = 0;
};

struct ApiKeyRecord {
  std::string id;      // "key_" + 16 hex for stored keys, "flag-<scope>-<n>" for bootstrap keys
  std::string name;    // human-readable
  uint8_t scopes = 0;  // bits of Scope
  std::string source;  // the source events sent with this key come from (write keys)
  std::vector<std::string> allowed_origins;  // CORS origins, lowercase; "*" allows any
  int64_t created_at_us = 0;
  int64_t expires_at_us = 0;  // 0: never
  int64_t revoked_at_us = 0;  // 0: not revoked
  std::string secret_sha256;  // SHA-256 of the current secret, 32 raw bytes
  std::vector<RetiredSecret> retired_secrets;
  bool bootstrap = false;  // from a `serve` flag: in memory only, cannot be changed at runtime

  bool revoked() const { return revoked_at_us != 0; }
  bool expired(int64_t now_us) const { return expires_at_us != 0 && now_us >= expires_at_us; }
  bool live(int64_t now_us) const { return !revoked() && !expired(now_us); }
  // Whether a browser on `origin` may use the key ("*" in the list allows every origin).
  bool AllowsOrigin(std::string_view origin) const;
};

// The key a request authenticated with. `record` stays valid as long as this object lives.
struct AuthenticatedKey {
  Principal principal;
  std::shared_ptr<const ApiKeyRecord> record;
};

class KeyRing {
 public:
  explicit KeyRing(const Clock& clock);
  ~KeyRing();
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;

  // Adds a key given as a `serve` flag, with the id "flag-<scope>-<n>" and, for write keys, that id
  // as its source. InvalidArgument for an empty secret or one with ':', spaces or control
  // characters; AlreadyExists when the same secret was given before.
  Status AddBootstrapKey(std::string_view secret, Scope scope);
  // Replaces the stored keys (KeyStore calls it after loading and after every change).
  void SetStoredKeys(std::vector<ApiKeyRecord> records);

  // The key named by an Authorization header. Unauthenticated when the header is missing or
  // malformed, or the secret is unknown, revoked, expired, or a rotated-out secret past its grace
  // period.
  Result<AuthenticatedKey> Authenticate(std::string_view authorization_header) const;
  // Whether some live key with the write scope allows `origin` (the CORS preflight's question).
  bool PreflightAllows(std::string_view origin) const;

  // Every key (bootstrap keys first), without their secrets' hashes.
  std::vector<ApiKeyRecord> Keys() const;
  size_t bootstrap_count() const;
  size_t size() const;

 private:
  struct Snapshot;
  std::shared_ptr<const Snapshot> Current() const;
  void Publish();  // rebuilds the snapshot from bootstrap_ and stored_; mu_ held

  const Clock& clock_;
  mutable std::mutex mu_;
  std::vector<ApiKeyRecord> bootstrap_;       // guarded by mu_
  std::vector<ApiKeyRecord> stored_;          // guarded by mu_
  std::shared_ptr<const Snapshot> snapshot_;  // guarded by mu_; the snapshot itself is immutable
  std::unordered_map<std::string, int> bootstrap_counts_;  // per scope name; guarded by mu_
};

// The secret of an Authorization header: Basic (user name part) or Bearer, schemes
// case-insensitive. Unauthenticated when missing or malformed.
Result<std::string> CredentialFromHeader(std::string_view authorization_header);

// A new secret: "mk_" and 32 characters of base64url from the OS's CSPRNG. Internal on failure.
Result<std::string> GenerateSecret();
// A new stored key id: "key_" and 16 lowercase hex digits. Internal on failure.
Result<std::string> GenerateKeyId();

// Decodes standard base64 (with padding); false on invalid input.
bool Base64Decode(std::string_view in, std::string& out);

}  // namespace mercato

#include "server/auth.h"

#include <cctype>

#include "privacy/crypto.h"

namespace mercato {
namespace {

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t k = 0; k < prefix.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(text[k])) != prefix[k]) return false;
  }
  return true;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The index of secrets is keyed by the first half of their hash; the whole hash is then compared in
// constant time.
constexpr size_t kIndexBytes = 16;

}  // namespace

// An immutable view of every key, indexed by the hashes of the secrets that authenticate them.
struct KeyRing::Snapshot {
  struct Entry {
    size_t index = 0;  // into records
    std::string sha256;
    int64_t valid_until_us = 0;  // 0: as long as the key is live (its current secret)
  };
  std::vector<ApiKeyRecord> records;
  std::unordered_map<std::string, Entry> by_hash;  // keyed by the hash's first kIndexBytes
};

bool HasScope(uint8_t scopes, Scope scope) {
  if ((scopes & static_cast<uint8_t>(Scope::kAdmin)) != 0) return true;
  return (scopes & static_cast<uint8_t>(scope)) != 0;
}

Result<Scope> ParseScope(std::string_view name) {
  if (name == "write") return Scope::kWrite;
  if (name == "read") return Scope::kRead;
  if (name == "admin") return Scope::kAdmin;
  if (name == "feedback") return Scope::kFeedback;
  return Status::InvalidArgument("unknown scope '" + std::string(name.substr(0, 40)) +
                                 "' (use write, read, admin or feedback)");
}

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kWrite:
      return "write";
    case Scope::kRead:
      return "read";
    case Scope::kAdmin:
      return "admin";
    case Scope::kFeedback:
      return "feedback";
  }
  return "unknown";
}

std::vector<std::string> ScopeNames(uint8_t scopes) {
  std::vector<std::string> names;
  for (Scope scope : {Scope::kWrite, Scope::kRead, Scope::kAdmin, Scope::kFeedback}) {
    if ((scopes & static_cast<uint8_t>(scope)) != 0) names.emplace_back(ScopeName(scope));
  }
  return names;
}

bool ApiKeyRecord::AllowsOrigin(std::string_view origin) const {
  if (origin.empty()) return false;
  std::string lowered = Lowercase(origin);
  for (const std::string& allowed : allowed_origins) {
    if (allowed == "*" || allowed == lowered) return true;
  }
  return false;
}

bool Base64Decode(std::string_view in, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out.clear();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) return false;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return bits < 6;
}

Result<std::string> CredentialFromHeader(std::string_view header) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  if (header.empty()) {
    return Status::Unauthenticated(
        "missing credentials: send the key with HTTP Basic auth "
        "(key as user name) or as a Bearer token");
  }
  std::string secret;
  if (StartsWithIgnoreCase(header, "basic ")) {
    std::string decoded;
    if (!Base64Decode(header.substr(6), decoded)) {
      return Status::Unauthenticated("malformed Basic credentials");
    }
    secret = decoded.substr(0, decoded.find(':'));
  } else if (StartsWithIgnoreCase(header, "bearer ")) {
    secret = std::string(header.substr(7));
    while (!secret.empty() && secret.back() == ' ') secret.pop_back();
  } else {
    return Status::Unauthenticated("unsupported authorization scheme; use Basic or Bearer");
  }
  if (secret.empty()) return Status::Unauthenticated("missing credentials: the key is empty");
  return secret;
}

Result<std::string> GenerateSecret() {
  ASSIGN_OR_RETURN(std::string bytes, crypto::RandomBytes(24));
  return "mk_" + crypto::Base64UrlEncode(bytes);
}

Result<std::string> GenerateKeyId() {
  ASSIGN_OR_RETURN(std::string bytes, crypto::RandomBytes(8));
  return "key_" + crypto::HexEncode(bytes);
}

KeyRing::KeyRing(const Clock& clock) : clock_(clock), snapshot_(std::make_shared<Snapshot>()) {}

KeyRing::~KeyRing() = default;

Status KeyRing::AddBootstrapKey(std::string_view secret, Scope scope) {
  if (secret.empty()) return Status::InvalidArgument("an API key must not be empty");
  for (char c : secret) {
    if (c == ':' || c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument("an API key must be printable ASCII without ':' or spaces");
    }
  }
  std::string hash = crypto::Sha256(secret);
  std::lock_guard lock(mu_);
  for (const ApiKeyRecord& existing : bootstrap_) {
    if (crypto::ConstantTimeEquals(existing.secret_sha256, hash)) {
      return Status::AlreadyExists("the same API key was given twice");
    }
  }
  std::string scope_name(ScopeName(scope));
  ApiKeyRecord record;
  record.id = "flag-" + scope_name + "-" + std::to_string(++bootstrap_counts_[scope_name]);
  record.name = scope_name + " (flag)";
  record.scopes = static_cast<uint8_t>(scope);
  if (scope == Scope::kWrite) record.source = record.id;
  record.created_at_us = clock_.NowMicros();
  record.secret_sha256 = std::move(hash);
  record.bootstrap = true;
  bootstrap_.push_back(std::move(record));
  Publish();
  return Status::Ok();
}

void KeyRing::SetStoredKeys(std::vector<ApiKeyRecord> records) {
  std::lock_guard lock(mu_);
  stored_ = std::move(records);
  Publish();
}

void KeyRing::Publish() {
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->records.reserve(bootstrap_.size() + stored_.size());
  for (const auto* group : {&bootstrap_, &stored_}) {
    for (const ApiKeyRecord& record : *group) {
      size_t index = snapshot->records.size();
      snapshot->records.push_back(record);
      // A secret shared by two keys (only possible by configuration mistake) authenticates the
      // first; both are the operator's own keys.
      snapshot->by_hash.emplace(record.secret_sha256.substr(0, kIndexBytes),
                                Snapshot::Entry{index, record.secret_sha256, 0});
      for (const RetiredSecret& retired : record.retired_secrets) {
        snapshot->by_hash.emplace(retired.sha256.substr(0, kIndexBytes),
                                  Snapshot::Entry{index, retired.sha256, retired.valid_until_us});
      }
    }
  }
  snapshot_ = std::move(snapshot);
}

std::shared_ptr<const KeyRing::Snapshot> KeyRing::Current() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

Result<AuthenticatedKey> KeyRing::Authenticate(std::string_view authorization_header) const {
  ASSIGN_OR_RETURN(std::string secret, CredentialFromHeader(authorization_header));
  const std::string hash = crypto::Sha256(secret);
  std::shared_ptr<const Snapshot> snapshot = Current();
  auto found = snapshot->by_hash.find(hash.substr(0, kIndexBytes));
  if (found == snapshot->by_hash.end() || !crypto::ConstantTimeEquals(found->second.sha256, hash)) {
    return Status::Unauthenticated("unknown API key");
  }
  const ApiKeyRecord& record = snapshot->records[found->second.index];
  const int64_t now = clock_.NowMicros();
  const int64_t valid_until = found->second.valid_until_us;
  if (record.revoked()) return Status::Unauthenticated("this API key was revoked");
  if (record.expired(now)) return Status::Unauthenticated("this API key has expired");
  if (valid_until != 0 && now >= valid_until) {
    return Status::Unauthenticated("this secret was replaced by a rotation; use the new secret");
  }
  AuthenticatedKey key;
  key.principal.key_id = record.id;
  key.principal.name = record.name;
  key.principal.source = record.source;
  key.principal.scopes = record.scopes;
  key.record = std::shared_ptr<const ApiKeyRecord>(snapshot, &record);
  return key;
}

bool KeyRing::PreflightAllows(std::string_view origin) const {
  if (origin.empty()) return false;
  std::shared_ptr<const Snapshot> snapshot = Current();
  const int64_t now = clock_.NowMicros();
  for (const ApiKeyRecord& record : snapshot->records) {
    if (HasScope(record.scopes, Scope::kWrite) && record.live(now) && record.AllowsOrigin(origin)) {
      return true;
    }
  }
  return false;
}

std::vector<ApiKeyRecord> KeyRing::Keys() const {
  std::shared_ptr<const Snapshot> snapshot = Current();
  std::vector<ApiKeyRecord> keys = snapshot->records;
  for (ApiKeyRecord& key : keys) {
    key.secret_sha256.clear();
    key.retired_secrets.clear();
  }
  return keys;
}

size_t KeyRing::bootstrap_count() const {
  std::lock_guard lock(mu_);
  return bootstrap_.size();
}

size_t KeyRing::size() const { return Current()->records.size(); }

}  // namespace mercato

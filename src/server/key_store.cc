#include "server/key_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdio>

#include "core/time_format.h"
#include "event/event.h"
#include "privacy/crypto.h"

namespace mercato {
namespace {

namespace json = boost::json;

constexpr std::string_view kKeyPrefix = "apikey/";
constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxSourceBytes = 128;
constexpr size_t kMaxOrigins = 100;
constexpr size_t kMaxOriginBytes = 260;

bool HasControlCharacters(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Status CheckText(std::string_view field, std::string_view value, size_t max_bytes) {
  if (value.empty()) return Status::InvalidArgument("'" + std::string(field) + "' is required");
  if (value.size() > max_bytes) {
    return Status::InvalidArgument("'" + std::string(field) + "' is longer than " +
                                   std::to_string(max_bytes) + " bytes");
  }
  if (HasControlCharacters(value)) {
    return Status::InvalidArgument("'" + std::string(field) + "' has control characters");
  }
  return Status::Ok();
}

// "*" or scheme://host[:port], lowercased; browsers send origins in this form.
Result<std::string> NormaliseOrigin(std::string_view origin) {
  std::string lowered(origin);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lowered == "*") return lowered;
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("'allowedOrigins': '" + std::string(origin.substr(0, 80)) +
                                   "' " + why);
  };
  if (lowered.size() > kMaxOriginBytes) return invalid("is too long");
  std::string_view rest = lowered;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return invalid("must be \"*\" or start with https:// or http://");
  }
  if (rest.empty()) return invalid("has no host");
  for (char c : rest) {
    bool allowed = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
                   c == ':' || c == '[' || c == ']' || c == '_';
    if (!allowed) {
      return invalid("must be scheme://host[:port], without path, query or trailing '/'");
    }
  }
  return lowered;
}

std::string HashHex(std::string_view raw) { return crypto::HexEncode(raw); }

Result<std::string> HexDecode32(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() != 64) return Status::Corruption("a key hash is not 64 hex digits");
  std::string out;
  out.reserve(32);
  for (size_t k = 0; k < hex.size(); k += 2) {
    int hi = digit(hex[k]), lo = digit(hex[k + 1]);
    if (hi < 0 || lo < 0) return Status::Corruption("a key hash is not lowercase hex");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

json::value TimeOrNull(int64_t micros) {
  if (micros == 0) return nullptr;
  return json::value(FormatTimestamp(micros));
}

std::string DetailJson(const ApiKeyRecord& record) {
  json::array scopes;
  for (const std::string& name : ScopeNames(record.scopes)) scopes.emplace_back(name);
  return json::serialize(json::object{{"keyId", record.id},
                                      {"name", record.name},
                                      {"scopes", std::move(scopes)},
                                      {"source", record.source}});
}

Status WritePrivateFile(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp";
  // Created 0600 from the start (never readable by others), synced before it replaces the old file.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot create " + tmp);
  bool written =
      ::fchmod(fd, 0600) == 0 &&
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
      ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return Status::IoError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IoError("cannot rename " + tmp);
  return Status::Ok();
}

}  // namespace

Status ValidateKeySpec(KeySpec& spec, int64_t now_us) {
  RETURN_IF_ERROR(CheckText("name", spec.name, kMaxNameBytes));
  if (spec.scopes == 0) return Status::InvalidArgument("'scopes' needs at least one scope");
  if ((spec.scopes & static_cast<uint8_t>(Scope::kWrite)) != 0 && spec.source.empty()) {
    return Status::InvalidArgument("'source' is required for a key with the write scope");
  }
  if (!spec.source.empty()) RETURN_IF_ERROR(CheckText("source", spec.source, kMaxSourceBytes));
  if (IsSystemSource(spec.source)) {
    return Status::InvalidArgument("'source' may not start with '" +
                                   std::string(kSystemSourcePrefix) +
                                   "': that prefix marks the engine's own events");
  }
  if (spec.allowed_origins.size() > kMaxOrigins) {
    return Status::InvalidArgument("'allowedOrigins' has more than " + std::to_string(kMaxOrigins) +
                                   " entries");
  }
  std::vector<std::string> origins;
  for (const std::string& origin : spec.allowed_origins) {
    ASSIGN_OR_RETURN(std::string normalised, NormaliseOrigin(origin));
    if (std::find(origins.begin(), origins.end(), normalised) == origins.end()) {
      origins.push_back(std::move(normalised));
    }
  }
  spec.allowed_origins = std::move(origins);
  if (spec.expires_at_us != 0 && spec.expires_at_us <= now_us) {
    return Status::InvalidArgument("'expiresAt' must be in the future");
  }
  return Status::Ok();
}

json::object KeyView(const ApiKeyRecord& record, int64_t now_us) {
  json::array scopes;
  for (const std::string& name : ScopeNames(record.scopes)) scopes.emplace_back(name);
  json::array origins;
  for (const std::string& origin : record.allowed_origins) origins.emplace_back(origin);
  const char* status = record.revoked() ? "revoked" : record.expired(now_us) ? "expired" : "active";
  json::object view;
  view["id"] = record.id;
  view["name"] = record.name;
  view["scopes"] = std::move(scopes);
  view["source"] = record.source.empty() ? json::value(nullptr) : json::value(record.source);
  view["allowedOrigins"] = std::move(origins);
  view["createdAt"] = TimeOrNull(record.created_at_us);
  view["expiresAt"] = TimeOrNull(record.expires_at_us);
  view["revokedAt"] = TimeOrNull(record.revoked_at_us);
  view["status"] = status;
  view["managed"] = !record.bootstrap;
  return view;
}

std::string EncodeKeyRecord(const ApiKeyRecord& record) {
  json::array scopes;
  for (const std::string& name : ScopeNames(record.scopes)) scopes.emplace_back(name);
  json::array origins;
  for (const std::string& origin : record.allowed_origins) origins.emplace_back(origin);
  json::array retired;
  for (const RetiredSecret& secret : record.retired_secrets) {
    retired.push_back(
        json::object{{"sha256", HashHex(secret.sha256)}, {"validUntilUs", secret.valid_until_us}});
  }
  return json::serialize(json::object{{"id", record.id},
                                      {"name", record.name},
                                      {"scopes", std::move(scopes)},
                                      {"source", record.source},
                                      {"allowedOrigins", std::move(origins)},
                                      {"createdAtUs", record.created_at_us},
                                      {"expiresAtUs", record.expires_at_us},
                                      {"revokedAtUs", record.revoked_at_us},
                                      {"secretSha256", HashHex(record.secret_sha256)},
                                      {"retiredSecrets", std::move(retired)}});
}

Result<ApiKeyRecord> DecodeKeyRecord(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) return Status::Corruption("an API key record is not a JSON object");
  const json::object& object = root.get_object();
  auto string_field = [&](std::string_view name) -> Result<std::string> {
    const json::value* value = object.if_contains(name);
    if (value == nullptr || !value->is_string()) {
      return Status::Corruption("an API key record lacks '" + std::string(name) + "'");
    }
    return std::string(value->get_string());
  };
  auto int_field = [&](const json::object& from, std::string_view name) -> Result<int64_t> {
    const json::value* value = from.if_contains(name);
    if (value == nullptr || !value->is_int64()) {
      return Status::Corruption("an API key record lacks '" + std::string(name) + "'");
    }
    return value->get_int64();
  };
  auto array_field = [&](std::string_view name) -> Result<const json::array*> {
    const json::value* value = object.if_contains(name);
    if (value == nullptr || !value->is_array()) {
      return Status::Corruption("an API key record lacks '" + std::string(name) + "'");
    }
    return &value->get_array();
  };
  ApiKeyRecord record;
  ASSIGN_OR_RETURN(record.id, string_field("id"));
  ASSIGN_OR_RETURN(record.name, string_field("name"));
  ASSIGN_OR_RETURN(record.source, string_field("source"));
  ASSIGN_OR_RETURN(const json::array* scopes, array_field("scopes"));
  for (const json::value& scope : *scopes) {
    if (!scope.is_string()) return Status::Corruption("an API key scope is not a string");
    auto parsed = ParseScope(std::string_view(scope.get_string()));
    if (!parsed.ok()) return Status::Corruption(parsed.status().message());
    record.scopes |= static_cast<uint8_t>(*parsed);
  }
  ASSIGN_OR_RETURN(const json::array* origins, array_field("allowedOrigins"));
  for (const json::value& origin : *origins) {
    if (!origin.is_string()) return Status::Corruption("an allowed origin is not a string");
    record.allowed_origins.emplace_back(origin.get_string());
  }
  ASSIGN_OR_RETURN(record.created_at_us, int_field(object, "createdAtUs"));
  ASSIGN_OR_RETURN(record.expires_at_us, int_field(object, "expiresAtUs"));
  ASSIGN_OR_RETURN(record.revoked_at_us, int_field(object, "revokedAtUs"));
  ASSIGN_OR_RETURN(std::string hash_hex, string_field("secretSha256"));
  ASSIGN_OR_RETURN(record.secret_sha256, HexDecode32(hash_hex));
  ASSIGN_OR_RETURN(const json::array* retired, array_field("retiredSecrets"));
  for (const json::value& item : *retired) {
    if (!item.is_object()) return Status::Corruption("a retired secret is not an object");
    const json::object& entry = item.get_object();
    const json::value* hash = entry.if_contains("sha256");
    if (hash == nullptr || !hash->is_string()) {
      return Status::Corruption("a retired secret lacks 'sha256'");
    }
    RetiredSecret secret;
    ASSIGN_OR_RETURN(secret.sha256, HexDecode32(std::string_view(hash->get_string())));
    ASSIGN_OR_RETURN(secret.valid_until_us, int_field(entry, "validUntilUs"));
    record.retired_secrets.push_back(std::move(secret));
  }
  return record;
}

KeyStore::KeyStore(Store& store, const Clock& clock, KeyRing* ring, AuditLog* audit)
    : store_(store), clock_(clock), ring_(ring), audit_(audit) {}

KeyStore::~KeyStore() = default;

Result<std::unique_ptr<KeyStore>> KeyStore::Open(Store& store, const Clock& clock, KeyRing* ring,
                                                 AuditLog* audit) {
  std::unique_ptr<KeyStore> keys(new KeyStore(store, clock, ring, audit));
  auto it = store.NewIterator(Cf::kMeta);
  for (it->Seek(rocksdb::Slice(kKeyPrefix.data(), kKeyPrefix.size())); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(kKeyPrefix)) break;
    auto record = DecodeKeyRecord(std::string_view(it->value().data(), it->value().size()));
    if (!record.ok()) {
      return Status::Corruption(std::string(key) + ": " + record.status().message());
    }
    std::string id = record->id;
    keys->keys_.emplace(std::move(id), std::move(record).value());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading API keys");
  if (ring != nullptr) ring->SetStoredKeys(keys->List());
  return keys;
}

std::vector<ApiKeyRecord> KeyStore::List() const {
  std::vector<ApiKeyRecord> records;
  {
    std::lock_guard lock(mu_);
    records.reserve(keys_.size());
    for (const auto& [id, record] : keys_) records.push_back(record);
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const auto& a, const auto& b) { return a.created_at_us < b.created_at_us; });
  return records;
}

size_t KeyStore::size() const {
  std::lock_guard lock(mu_);
  return keys_.size();
}

Status KeyStore::Commit(const ApiKeyRecord& record, const AuditEntry& entry) {
  if (audit_ != nullptr) RETURN_IF_ERROR(audit_->Record(entry));
  if (publish_) RETURN_IF_ERROR(publish_(record));
  return Persist(record);
}

Status KeyStore::Apply(const ApiKeyRecord& record) {
  if (record.id.empty() || record.secret_sha256.empty()) {
    return Status::InvalidArgument("a shared API key needs an id and a secret hash");
  }
  std::lock_guard lock(mu_);
  auto found = keys_.find(record.id);
  if (found != keys_.end() && EncodeKeyRecord(found->second) == EncodeKeyRecord(record)) {
    return Status::Ok();
  }
  return Persist(record);
}

Status KeyStore::Persist(const ApiKeyRecord& record) {
  rocksdb::WriteBatch batch;
  std::string key = std::string(kKeyPrefix) + record.id;
  batch.Put(store_.cf(Cf::kMeta), key, EncodeKeyRecord(record));
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  keys_[record.id] = record;
  if (ring_ != nullptr) {
    std::vector<ApiKeyRecord> records;
    records.reserve(keys_.size());
    for (const auto& [id, stored] : keys_) records.push_back(stored);
    ring_->SetStoredKeys(std::move(records));
  }
  return Status::Ok();
}

Result<IssuedKey> KeyStore::Create(KeySpec spec, const std::string& actor) {
  const int64_t now = clock_.NowMicros();
  RETURN_IF_ERROR(ValidateKeySpec(spec, now));
  IssuedKey issued;
  ASSIGN_OR_RETURN(issued.secret, GenerateSecret());
  ApiKeyRecord& record = issued.record;
  ASSIGN_OR_RETURN(record.id, GenerateKeyId());
  record.name = std::move(spec.name);
  record.scopes = spec.scopes;
  record.source = std::move(spec.source);
  record.allowed_origins = std::move(spec.allowed_origins);
  record.created_at_us = now;
  record.expires_at_us = spec.expires_at_us;
  record.secret_sha256 = crypto::Sha256(issued.secret);
  std::lock_guard lock(mu_);
  if (keys_.contains(record.id)) return Status::Internal("a fresh key id collided; try again");
  RETURN_IF_ERROR(Commit(record, AuditEntry{actor, "keys.create", "", DetailJson(record)}));
  return issued;
}

Result<IssuedKey> KeyStore::Rotate(const std::string& id, int64_t grace_seconds,
                                   const std::string& actor) {
  if (grace_seconds < 0 || grace_seconds > kMaxGraceSeconds) {
    return Status::InvalidArgument("'graceSeconds' must be from 0 to " +
                                   std::to_string(kMaxGraceSeconds));
  }
  const int64_t now = clock_.NowMicros();
  IssuedKey issued;
  ASSIGN_OR_RETURN(issued.secret, GenerateSecret());
  std::lock_guard lock(mu_);
  auto found = keys_.find(id);
  if (found == keys_.end()) return Status::NotFound("no API key with id '" + id + "'");
  ApiKeyRecord record = found->second;
  if (record.revoked()) return Status::InvalidArgument("the key '" + id + "' is revoked");
  if (record.expired(now)) return Status::InvalidArgument("the key '" + id + "' has expired");
  std::erase_if(record.retired_secrets,
                [now](const RetiredSecret& secret) { return secret.valid_until_us <= now; });
  if (grace_seconds > 0) {
    record.retired_secrets.push_back(
        RetiredSecret{record.secret_sha256, now + grace_seconds * kMicrosPerSecond});
  }
  record.secret_sha256 = crypto::Sha256(issued.secret);
  json::object detail{{"keyId", record.id}, {"graceSeconds", grace_seconds}};
  RETURN_IF_ERROR(Commit(record, AuditEntry{actor, "keys.rotate", "", json::serialize(detail)}));
  issued.record = std::move(record);
  return issued;
}

Result<ApiKeyRecord> KeyStore::Revoke(const std::string& id, const std::string& actor) {
  std::lock_guard lock(mu_);
  auto found = keys_.find(id);
  if (found == keys_.end()) return Status::NotFound("no API key with id '" + id + "'");
  if (found->second.revoked()) return found->second;
  ApiKeyRecord record = found->second;
  record.revoked_at_us = clock_.NowMicros();
  record.retired_secrets.clear();
  json::object detail{{"keyId", record.id}};
  RETURN_IF_ERROR(Commit(record, AuditEntry{actor, "keys.revoke", "", json::serialize(detail)}));
  return record;
}

Result<std::optional<IssuedKey>> CreateInitialAdminKey(KeyStore& keys, const KeyRing& ring,
                                                       const std::string& secret_path) {
  if (ring.size() > 0 || keys.size() > 0) return std::optional<IssuedKey>();
  KeySpec spec;
  spec.name = "initial admin";
  spec.scopes = static_cast<uint8_t>(Scope::kAdmin);
  ASSIGN_OR_RETURN(IssuedKey issued, keys.Create(std::move(spec), "system"));
  RETURN_IF_ERROR(WritePrivateFile(secret_path, issued.secret + "\n"));
  return std::optional<IssuedKey>(std::move(issued));
}

}  // namespace mercato

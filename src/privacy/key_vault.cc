#include "privacy/key_vault.h"

#include "core/hash.h"
#include "privacy/crypto.h"
#include "privacy/pseudonym.h"

namespace mercato {
namespace {

constexpr std::string_view kIdentityPrefix = "i/";
constexpr std::string_view kKeyPrefix = "k/";
constexpr char kCheckRecord[] = "m/check";
constexpr char kPseudonymRecord[] = "m/pseudonym";
constexpr std::string_view kCheckText = "mercato vault";
constexpr size_t kKeyIdBytes = 16;

std::string Cat(std::string_view a, std::string_view b) {
  std::string out(a);
  out.append(b);
  return out;
}

rocksdb::Slice ToSlice(std::string_view text) { return {text.data(), text.size()}; }

}  // namespace

Result<std::unique_ptr<KeyVault>> KeyVault::Open(Store& store, std::string master_key) {
  if (master_key.size() != crypto::kKeyBytes) {
    return Status::InvalidArgument("the master key must be 32 bytes");
  }
  auto vault = std::unique_ptr<KeyVault>(new KeyVault(store, std::move(master_key)));
  auto check = store.Get(Cf::kKeys, kCheckRecord);
  if (check.ok()) {
    auto opened = crypto::Open(vault->master_, *check, "check");
    if (!opened.ok() || *opened != kCheckText) {
      return Status::FailedPrecondition(
          "the master key does not match the one this data directory was created with");
    }
    ASSIGN_OR_RETURN(std::string wrapped, store.Get(Cf::kKeys, kPseudonymRecord));
    auto pseudonym = crypto::Open(vault->master_, wrapped, "pk");
    if (!pseudonym.ok()) return Status::Corruption("the vault's pseudonym key does not unwrap");
    vault->pseudonym_key_ = std::move(pseudonym).value();
    return vault;
  }
  if (check.status().code() != StatusCode::kNotFound) return check.status();
  // A new vault: both records in one synced write, so a crash leaves either none or both.
  ASSIGN_OR_RETURN(vault->pseudonym_key_, crypto::RandomBytes(crypto::kKeyBytes));
  ASSIGN_OR_RETURN(std::string sealed_check, crypto::Seal(vault->master_, kCheckText, "check"));
  ASSIGN_OR_RETURN(std::string sealed_pseudonym,
                   crypto::Seal(vault->master_, vault->pseudonym_key_, "pk"));
  rocksdb::WriteBatch batch;
  batch.Put(store.cf(Cf::kKeys), kCheckRecord, sealed_check);
  batch.Put(store.cf(Cf::kKeys), kPseudonymRecord, sealed_pseudonym);
  RETURN_IF_ERROR(store.Write(batch, /*sync=*/true));
  return vault;
}

KeyVault::Shard& KeyVault::ShardOf(std::string_view text) const {
  return shards_[Hash64(text) % kShards];
}

Result<std::string> KeyVault::Unwrap(std::string_view key_id, std::string_view wrapped) const {
  auto key = crypto::Open(master_, wrapped, Cat("dk", key_id));
  if (!key.ok()) return Status::Corruption("a data key does not unwrap with the master key");
  return key;
}

Result<DataKey> KeyVault::KeyFor(std::string_view identity_key) {
  Shard& shard = ShardOf(identity_key);
  std::lock_guard lock(shard.mu);
  if (auto it = shard.by_identity.find(std::string(identity_key)); it != shard.by_identity.end()) {
    return it->second;
  }
  DataKey key;
  auto id = store_.Get(Cf::kKeys, Cat(kIdentityPrefix, Pseudonym(pseudonym_key_, identity_key)));
  if (id.ok()) {
    key.id = std::move(id).value();
    ASSIGN_OR_RETURN(std::string wrapped, store_.Get(Cf::kKeys, Cat(kKeyPrefix, key.id)));
    ASSIGN_OR_RETURN(key.key, Unwrap(key.id, wrapped));
  } else if (id.status().code() == StatusCode::kNotFound) {
    ASSIGN_OR_RETURN(key.id, crypto::RandomBytes(kKeyIdBytes));
    ASSIGN_OR_RETURN(key.key, crypto::RandomBytes(crypto::kKeyBytes));
    ASSIGN_OR_RETURN(std::string wrapped, crypto::Seal(master_, key.key, Cat("dk", key.id)));
    rocksdb::WriteBatch batch;
    batch.Put(store_.cf(Cf::kKeys),
              ToSlice(Cat(kIdentityPrefix, Pseudonym(pseudonym_key_, identity_key))), key.id);
    batch.Put(store_.cf(Cf::kKeys), ToSlice(Cat(kKeyPrefix, key.id)), wrapped);
    RETURN_IF_ERROR(store_.Write(batch, /*sync=*/false));
  } else {
    return id.status();
  }
  if (shard.by_identity.size() >= kMaxCachedPerShard) shard.by_identity.clear();
  shard.by_identity.emplace(std::string(identity_key), key);
  return key;
}

Result<std::string> KeyVault::KeyById(std::string_view key_id) const {
  Shard& shard = ShardOf(key_id);
  {
    std::lock_guard lock(shard.mu);
    if (auto it = shard.by_id.find(std::string(key_id)); it != shard.by_id.end()) {
      return it->second;
    }
  }
  auto wrapped = store_.Get(Cf::kKeys, Cat(kKeyPrefix, key_id));
  if (!wrapped.ok()) {
    if (wrapped.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("the data key was destroyed");
    }
    return wrapped.status();
  }
  ASSIGN_OR_RETURN(std::string key, Unwrap(key_id, *wrapped));
  std::lock_guard lock(shard.mu);
  if (shard.by_id.size() >= kMaxCachedPerShard) shard.by_id.clear();
  shard.by_id.emplace(std::string(key_id), key);
  return key;
}

Result<std::string> KeyVault::KeyIdOf(std::string_view identity_key) const {
  return store_.Get(Cf::kKeys, Cat(kIdentityPrefix, Pseudonym(pseudonym_key_, identity_key)));
}

Result<size_t> KeyVault::Destroy(const std::vector<std::string>& identity_keys) {
  // Hold every involved shard's lock across the write, in index order (no deadlock), so that no
  // KeyFor/KeyById can re-cache a key between the delete and the eviction.
  std::array<bool, kShards> involved{};
  for (const std::string& identity : identity_keys) involved[Hash64(identity) % kShards] = true;
  std::vector<std::string> ids;
  rocksdb::WriteBatch batch;
  for (const std::string& identity : identity_keys) {
    auto id = store_.Get(Cf::kKeys, Cat(kIdentityPrefix, Pseudonym(pseudonym_key_, identity)));
    if (!id.ok()) {
      if (id.status().code() == StatusCode::kNotFound) continue;
      return id.status();
    }
    batch.Delete(store_.cf(Cf::kKeys),
                 ToSlice(Cat(kIdentityPrefix, Pseudonym(pseudonym_key_, identity))));
    batch.Delete(store_.cf(Cf::kKeys), ToSlice(Cat(kKeyPrefix, *id)));
    ids.push_back(std::move(id).value());
  }
  for (const std::string& id : ids) involved[Hash64(id) % kShards] = true;
  std::vector<std::unique_lock<std::mutex>> locks;
  for (size_t k = 0; k < kShards; ++k) {
    if (involved[k]) locks.emplace_back(shards_[k].mu);
  }
  if (ids.empty()) return size_t{0};
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  for (const std::string& identity : identity_keys) {
    shards_[Hash64(identity) % kShards].by_identity.erase(identity);
  }
  for (const std::string& id : ids) shards_[Hash64(id) % kShards].by_id.erase(id);
  return ids.size();
}

void KeyVault::ClearCache() {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    shard.by_identity.clear();
    shard.by_id.clear();
  }
}

}  // namespace mercato

#include "profile/customer_erasure.h"

#include "core/big_endian.h"
#include "profile/keys.h"
#include "profile/prediction_store.h"
#include "profile/profile_state.h"
#include "storage/event_log.h"

namespace mercato {
namespace {

constexpr int kMaxRedirectHops = 64;

Result<profile::ProfileState> LoadLive(Store& store, std::string_view id) {
  std::string current(id);
  for (int hop = 0; hop < kMaxRedirectHops; ++hop) {
    auto stored = store.Get(Cf::kProfiles, current);
    if (!stored.ok()) {
      if (stored.status().code() == StatusCode::kNotFound) {
        return Status::NotFound("no customer '" + std::string(id) + "'");
      }
      return stored.status();
    }
    ASSIGN_OR_RETURN(profile::ProfileState state, profile::ProfileState::Parse(current, *stored));
    if (state.merged_into.empty()) return state;
    current = state.merged_into;
  }
  return Status::Corruption("redirect chain from customer " + std::string(id) + " is too long");
}

}  // namespace

Result<CustomerErasure> EraseCustomer(Store& store, KeyVault& vault, std::string_view customer_id) {
  ASSIGN_OR_RETURN(profile::ProfileState state, LoadLive(store, customer_id));
  CustomerErasure report;
  report.customer_id = state.id;

  // Keys first: from here on every encrypted copy of the customer's personal values is unreadable,
  // whatever happens to the deletes below.
  std::vector<std::string> keyed;
  for (const std::string& key : state.identities) {
    if (key.starts_with("u:") || key.starts_with("a:")) keyed.push_back(key);
  }
  ASSIGN_OR_RETURN(report.keys_destroyed, vault.Destroy(keyed));

  rocksdb::WriteBatch batch;
  batch.Delete(store.cf(Cf::kProfiles), state.id);
  PredictionStore::DeleteInto(store, batch, state.id);
  ++report.profiles;
  for (const std::string& merged : state.merged_from) {
    batch.Delete(store.cf(Cf::kProfiles), merged);
    PredictionStore::DeleteInto(store, batch, merged);
    ++report.profiles;
  }
  for (const std::string& key : state.identities) {
    batch.Delete(store.cf(Cf::kIdentities), profile::IdentityIndexKey(vault.pseudonym_key(), key));
    ++report.identities;
  }
  // Rows of merged customers moved to the survivor, except a stub's (cluster mode), whose rows
  // stay under it, empty, naming the log records its events came in as.
  auto it = store.NewIterator(Cf::kEvents);
  std::vector<std::string> prefixes{state.id};
  prefixes.insert(prefixes.end(), state.merged_from.begin(), state.merged_from.end());
  for (const std::string& owner : prefixes) {
    const rocksdb::Slice prefix(owner);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      rocksdb::Slice key = it->key();
      if (key.size() == prefix.size() + profile::kEventSuffixSize) {
        const char* suffix = key.data() + prefix.size();
        uint32_t partition = GetFixed32BE(std::string_view(suffix + 8, 4));
        uint64_t offset = GetFixed64BE(std::string_view(suffix + 12, 8));
        batch.Delete(store.cf(Cf::kLog), LogRecordKey(partition, offset));
        ++report.log_records;
      }
      batch.Delete(store.cf(Cf::kEvents), key);
      ++report.events;
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading the customer's history"));
  }
  // The record of the Identity Links its partition sent (cluster mode).
  for (const std::string& owner : prefixes) {
    const std::string prefix = std::string(profile::kLinkSentPrefix) + owner;
    auto meta = store.NewIterator(Cf::kMeta);
    for (meta->Seek(prefix); meta->Valid() && meta->key().starts_with(prefix); meta->Next()) {
      batch.Delete(store.cf(Cf::kMeta), meta->key());
    }
    RETURN_IF_ERROR(FromRocks(meta->status(), "reading the customer's sent links"));
  }
  RETURN_IF_ERROR(store.Write(batch, /*sync=*/true));
  return report;
}

}  // namespace mercato

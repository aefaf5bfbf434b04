#pragma once
// BatchOverlay: the in-memory state of one ProfileBuilder batch. It resolves identities and loads
// profiles from the store on first use, applies events and merges on top of them, and at the end
// turns every change into puts and deletes of one WriteBatch. Several events of one customer in
// one batch therefore compose, and each touched profile is serialised once per batch.
//
// Identity rules (docs/formats/profile.md):
//  - An event's identity keys are its userId ('u'), anonymousId ('a'), e-mail ('e', from
//    traits.email or context.traits.email) and, for alias, previousId (as 'u' when that userId is
//    known, else as 'a').
//  - No key known: a new customer whose id is derived from the first key (userId first).
//  - alias merges every customer its keys resolve to.
//  - Other events merge the customers their keys link unless that would join two customers that
//    both have userIds: with a userId on the event, a linked customer that has (another) userId
//    is left alone and the event goes to the userId's customer (shared device); without one, the
//    link is skipped when both the anonymousId's and the linked customer have userIds.
//  - The survivor is the customer seen first (earliest first_seen; tie: smaller id). The loser's
//    identities, traits, features and history rows move to it and the loser's profile becomes a
//    redirect {"mergedInto": survivor}; earlier redirects to the loser are re-pointed.
//
// Thread safety: none; one overlay per batch on the builder's thread. After an error from Apply or
// Flush the overlay must be discarded (nothing it holds was written).

#include <rocksdb/write_batch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "profile/event_view.h"
#include "profile/profile_state.h"
#include "storage/store.h"

namespace mercato::profile {

class BatchOverlay {
 public:
  // `pseudonym_key` is the vault's (KeyVault::pseudonym_key): identity keys in the store and e-mail
  // identities are pseudonyms under it (profile/keys.h).
  BatchOverlay(Store& store, std::string_view pseudonym_key)
      : store_(store), pseudonym_key_(pseudonym_key) {}

  // Resolves `event`'s customer (creating or merging customers as the rules say), folds the event
  // into its profile and queues the history row (partition, offset) -> payload. `payload` must stay
  // valid until Flush. Errors are store read failures or corrupt stored state.
  Status Apply(const EventView& event, uint32_t partition, uint64_t offset,
               std::string_view payload);

  // Adds every change (identities, profiles, redirects, history rows and moves) to `batch`.
  Status Flush(rocksdb::WriteBatch& batch);

  size_t merges() const { return merges_.size(); }

 private:
  struct Merge {
    std::string loser;
    std::vector<std::string> loser_merged_from;  // redirects that pointed to the loser
  };
  struct PendingEvent {
    std::string customer;  // at the time of Apply; Flush follows later merges
    int64_t timestamp_us;
    uint32_t partition;
    uint64_t offset;
    std::string_view payload;
  };

  // The live customer an identity key belongs to, or nullptr when the key is unknown.
  Result<ProfileState*> FindCustomer(const std::string& key);
  // The stored (or overlaid) profile record `id`, redirect or not; nullptr when absent.
  Result<ProfileState*> Load(const std::string& id);
  // Follows redirects from `id` to the live profile; nullptr when absent.
  Result<ProfileState*> LoadLive(const std::string& id);
  Result<ProfileState*> Create(const std::string& first_key);
  ProfileState* MergeGroup(const std::vector<ProfileState*>& group);
  void Attach(ProfileState& customer, const std::string& key);
  void MarkDirty(const ProfileState& state) { dirty_profiles_.insert(state.id); }
  // The live id `id` ends at after the merges known to the overlay.
  const std::string& Root(const std::string& id) const;

  Store& store_;
  const std::string_view pseudonym_key_;
  // identity key -> customer id as last known ("" = not in the store).
  std::unordered_map<std::string, std::string> identities_;
  std::unordered_set<std::string> dirty_identities_;
  // customer id -> profile record; a null pointer caches "not in the store".
  std::unordered_map<std::string, std::unique_ptr<ProfileState>> profiles_;
  std::unordered_set<std::string> dirty_profiles_;
  std::vector<Merge> merges_;
  std::vector<PendingEvent> events_;
};

}  // namespace mercato::profile

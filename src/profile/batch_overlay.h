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
// Routed mode (cluster mode, docs/adr/0018-cross-partition-identity-merges.md): a record of
// partition p reads and writes only the index entries of "u:"/"a:" keys whose partition is p.
//  - A userId event that names a "u:"/"a:" key of another partition (identify's anonymousId,
//    alias's previousId) emits an "Identity Link" to that partition, unless the customer already
//    holds the key.
//  - A Link whose key is unknown there creates a stub (ProfileState::IsStub) that sends the key's
//    later events on to the peer as "live" copies; a Link whose key belongs to a customer without
//    a userId hands that customer off: every history row goes to the peer as a "history" copy,
//    the rows keep their keys with empty values (so erasure still finds their log records) and the
//    customer becomes a stub. A Link to a customer with a userId, or to a stub of another peer, is
//    dropped (a shared device; alias between two known customers of different partitions is not
//    merged yet).
//  - A copy is folded into the customer its "to" names, once per origin record (a "fwd/" marker
//    in the same batch), and its own key joins that customer's identities.
//  - E-mail keys do not merge customers: a customer is given the address (identities, "emails")
//    and the index entry if no other customer has it on this node.
// Every record produced is a function of the partition's records alone, so replays produce the
// same records, and repeats are skipped by the markers. They are taken with TakeOutbox and must
// be durable before the batch's state is written.
//
// Thread safety: none; one overlay per batch on the builder's thread. After an error from Apply or
// Flush the overlay must be discarded (nothing it holds was written).

#include <rocksdb/write_batch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "profile/event_view.h"
#include "profile/profile_state.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato::profile {

class BatchOverlay {
 public:
  // `pseudonym_key` is the vault's (KeyVault::pseudonym_key): identity keys in the store and e-mail
  // identities are pseudonyms under it (profile/keys.h).
  // Routed mode when `partition_for` (a routing value -> its log partition) is set.
  BatchOverlay(Store& store, std::string_view pseudonym_key,
               std::function<uint32_t(std::string_view)> partition_for = nullptr)
      : store_(store), pseudonym_key_(pseudonym_key), partition_for_(std::move(partition_for)) {}

  // Resolves `event`'s customer (creating or merging customers as the rules say), folds the event
  // into its profile and queues the history row (partition, offset) -> payload. `payload` must stay
  // valid until Flush. Errors are store read failures or corrupt stored state.
  Status Apply(const EventView& event, uint32_t partition, uint64_t offset,
               std::string_view payload);

  // Adds every change (identities, profiles, redirects, history rows and moves) to `batch`.
  Status Flush(rocksdb::WriteBatch& batch);

  size_t merges() const { return merges_.size(); }

  // Routed mode: the identity keys of stubs erased by "Identity Erase" records in this batch,
  // whose data keys the caller destroys before writing the batch.
  const std::vector<std::string>& erased_keys() const { return erased_keys_; }

  // Routed mode: the records this batch produces (Links and copies), in record order. They must
  // be appended durably before the batch from Flush is written.
  std::vector<AppendItem> TakeOutbox() { return std::move(outbox_); }

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
    bool dropped = false;  // its customer was erased in this batch
  };

  bool routed() const { return static_cast<bool>(partition_for_); }
  // Routed mode: the parts of Apply for Links, copies and stubs (batch_overlay_routed.cc).
  Status ApplyLink(const EventView& event, uint32_t partition, uint64_t offset);
  Status ApplyErase(const EventView& event, uint32_t partition, uint64_t offset);
  // A Link's key as stored: "?:X" is "u:X" when that userId is known here, else "a:X".
  Result<std::string> ResolveLinkKey(std::string_view key);
  void FlushErasures(rocksdb::WriteBatch& batch);
  Status ApplyCopy(const EventView& event, uint32_t partition, uint64_t offset,
                   std::string_view payload);
  // Sends `payload` (of the record at origin) on to `to` as a copy.
  void Forward(std::string_view payload, std::string_view to, uint32_t origin_partition,
               uint64_t origin_offset, bool history, std::string_view loser, int64_t received_us);
  Status HandOff(ProfileState& customer, const EventView::IdentityLink& link, int64_t received_us);
  // Sends the Link unless this customer's partition sent it before (LinkSentKey).
  Status EmitLink(std::string_view key, const std::string& peer, const ProfileState& customer,
                  bool alias, uint32_t partition, uint64_t offset, size_t seq,
                  const EventView& event);
  // Gives `customer` the e-mail key without merging (routed mode).
  Status AddEmailRouted(ProfileState& customer, const std::string& email_key);
  // Whether a "u:"/"a:" key's partition is another than `partition`.
  bool Foreign(std::string_view key, uint32_t partition) const;

  // The live customer an identity key belongs to, or nullptr when the key is unknown.
  // In routed mode a stub is returned as is.
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
  // Routed mode.
  const std::function<uint32_t(std::string_view)> partition_for_;
  std::vector<AppendItem> outbox_;
  std::vector<std::string> emptied_rows_;  // events keys whose value becomes empty (hand-offs)
  std::unordered_map<std::string, uint64_t> markers_;  // ForwardMarkerKey -> first offset
  std::unordered_set<std::string> dirty_markers_;
  std::unordered_map<std::string, bool> links_sent_;  // LinkSentKey -> known to be sent
  std::unordered_set<std::string> dirty_links_sent_;
  std::vector<std::string> erased_stubs_;
  std::vector<std::string> erased_keys_;
  std::vector<LogPosition> dropped_records_;  // log records deleted with the batch
};

}  // namespace mercato::profile

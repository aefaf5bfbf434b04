// BatchOverlay in routed mode: identities across partitions (batch_overlay.h, docs/adr/0018).
#include <boost/json.hpp>

#include "core/big_endian.h"
#include "core/logging.h"
#include "core/time_format.h"
#include "profile/batch_overlay.h"
#include "profile/keys.h"

namespace mercato::profile {
namespace json = boost::json;

bool BatchOverlay::Foreign(std::string_view key, uint32_t partition) const {
  if (!routed()) return false;
  const std::string_view value = IdentityRoutingValue(key);
  return !value.empty() && partition_for_(value) != partition;
}

void BatchOverlay::Forward(std::string_view payload, std::string_view to, uint32_t origin_partition,
                           uint64_t origin_offset, bool history, std::string_view loser,
                           int64_t received_us) {
  json::object forwarded;
  forwarded["to"] = to;
  forwarded["origin"] = json::array{origin_partition, origin_offset};
  forwarded["kind"] = history ? "history" : "live";
  if (!loser.empty()) forwarded["loser"] = loser;
  // A normalised payload is one JSON object: the member goes before its closing brace.
  const size_t close = payload.find_last_of('}');
  if (close == std::string_view::npos) return;
  std::string copy(payload.substr(0, close));
  copy += ",\"";
  copy += kForwardedMember;
  copy += "\":";
  copy += json::serialize(forwarded);
  copy += '}';
  outbox_.push_back(
      AppendItem{std::string(IdentityRoutingValue(to)), std::string(), received_us, copy, {}});
}

Status BatchOverlay::EmitLink(std::string_view key, const std::string& peer,
                              const ProfileState& customer, bool alias, uint32_t partition,
                              uint64_t offset, size_t seq, const EventView& event) {
  std::string sent_key = LinkSentKey(pseudonym_key_, customer.id, key);
  auto sent = links_sent_.find(sent_key);
  if (sent == links_sent_.end()) {
    auto stored = store_.Get(Cf::kMeta, sent_key);
    if (!stored.ok() && stored.status().code() != StatusCode::kNotFound) return stored.status();
    sent = links_sent_.emplace(sent_key, stored.ok()).first;
  }
  // Once per customer and key: every later event of a signed-in visitor carries the same pair.
  if (sent->second) return Status::Ok();
  sent->second = true;
  dirty_links_sent_.insert(std::move(sent_key));
  const std::string_view value = key.substr(2);
  const std::string origin =
      std::to_string(partition) + "-" + std::to_string(offset) + "-" + std::to_string(seq);
  json::object link{
      {"type", "track"},
      {"event", kIdentityLinkEvent},
      {"source", kIdentitySystemSource},
      {"anonymousId", value},
      {"messageId", "idl-" + origin},
      {"timestamp", FormatTimestamp(event.timestamp_us)},
      {"receivedAt", FormatTimestamp(event.timestamp_us)},
      {"properties",
       json::object{
           {"key", key}, {"peer", peer}, {"peerCustomer", customer.id}, {"alias", alias}}}};
  outbox_.push_back(
      AppendItem{std::string(value), std::string(), event.timestamp_us, json::serialize(link), {}});
  return Status::Ok();
}

Status BatchOverlay::AddEmailRouted(ProfileState& customer, const std::string& email_key) {
  ASSIGN_OR_RETURN(ProfileState * holder, FindCustomer(email_key));
  if (holder == nullptr) {
    Attach(customer, email_key);
  } else {
    customer.AddIdentity(email_key);  // another customer keeps the index entry
    MarkDirty(customer);
  }
  return Status::Ok();
}

Result<std::string> BatchOverlay::ResolveLinkKey(std::string_view key) {
  if (key[0] != '?') return std::string(key);
  // alias's previousId: a userId when one is known here, else an anonymousId.
  std::string as_user = "u:" + std::string(key.substr(2));
  ASSIGN_OR_RETURN(ProfileState * user, FindCustomer(as_user));
  return user != nullptr ? as_user : "a:" + std::string(key.substr(2));
}

Status BatchOverlay::ApplyErase(const EventView& event, uint32_t partition, uint64_t offset) {
  // The record names both identities: it goes whatever it finds.
  dropped_records_.push_back(LogPosition{partition, offset});
  ASSIGN_OR_RETURN(std::string key, ResolveLinkKey(event.link->key));
  ASSIGN_OR_RETURN(ProfileState * customer, FindCustomer(key));
  if (customer == nullptr) {
    // The erasure of a survivor on this node already dropped the key's index entry (it was in
    // the survivor's identities): the stub still has the id its first identity gives it.
    ASSIGN_OR_RETURN(customer, Load(CustomerIdFor(key)));
  }
  // Only a stub of the erased customer: a live customer here is someone else (a shared device).
  if (customer == nullptr || !customer->IsStub() || customer->merged_via != event.link->peer) {
    return Status::Ok();
  }
  const std::string id = customer->id;
  for (const std::string& identity : customer->identities) {
    identities_[identity].clear();
    dirty_identities_.erase(identity);
    erased_keys_.push_back(identity);
  }
  for (PendingEvent& pending : events_) {
    if (pending.dropped || pending.customer != id) continue;
    pending.dropped = true;
    dropped_records_.push_back(LogPosition{pending.partition, pending.offset});
  }
  dirty_profiles_.erase(id);
  profiles_[id] = nullptr;
  erased_stubs_.push_back(id);
  return Status::Ok();
}

void BatchOverlay::FlushErasures(rocksdb::WriteBatch& batch) {
  rocksdb::ColumnFamilyHandle* events_cf = store_.cf(Cf::kEvents);
  if (!erased_stubs_.empty()) {
    auto it = store_.NewIterator(Cf::kEvents);
    for (const std::string& id : erased_stubs_) {
      batch.Delete(store_.cf(Cf::kProfiles), id);
      for (it->Seek(id); it->Valid() && it->key().starts_with(id); it->Next()) {
        const std::string_view key = it->key().ToStringView();
        if (key.size() == id.size() + kEventSuffixSize) {
          const std::string_view suffix = key.substr(id.size());
          batch.Delete(store_.cf(Cf::kLog), LogRecordKey(GetFixed32BE(suffix.substr(8, 4)),
                                                         GetFixed64BE(suffix.substr(12, 8))));
        }
        batch.Delete(events_cf, it->key());
      }
      if (!it->status().ok()) {
        // Rows left behind stay empty (a stub's rows hold no event); their log records are what
        // a later erasure of the customer's identities would still find.
        LOG(WARNING) << "profiles: reading an erased stub's rows failed: "
                     << it->status().ToString();
      }
    }
  }
  for (const std::string& key : erased_keys_) {
    batch.Delete(store_.cf(Cf::kIdentities), IdentityIndexKey(pseudonym_key_, key));
  }
  for (const LogPosition& position : dropped_records_) {
    batch.Delete(store_.cf(Cf::kLog), LogRecordKey(position.partition, position.offset));
  }
}

Status BatchOverlay::ApplyLink(const EventView& event, uint32_t partition, uint64_t offset) {
  const EventView::IdentityLink& link = *event.link;
  if (link.erase) return ApplyErase(event, partition, offset);
  ASSIGN_OR_RETURN(std::string key, ResolveLinkKey(link.key));
  if (Foreign(key, partition) || IdentityRoutingValue(key).empty()) {
    LOG(WARNING) << "profiles: an identity link at " << partition << "/" << offset
                 << " names a key of another partition; dropped";
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(ProfileState * customer, FindCustomer(key));
  if (customer == nullptr) {
    // Never seen here: a stub sends the key's future events to the peer.
    ASSIGN_OR_RETURN(customer, Create(key));
    customer->merged_into = std::string(link.peer_customer);
    customer->merged_via = std::string(link.peer);
    Attach(*customer, key);
  } else if (customer->IsStub()) {
    if (customer->merged_via != link.peer) return Status::Ok();  // merged elsewhere already
  } else if (customer->HasUserId()) {
    return Status::Ok();  // a known customer: a shared device, or alias across partitions
  } else {
    RETURN_IF_ERROR(HandOff(*customer, link, event.timestamp_us));
  }
  // The link's own record belongs to the stub (erasure deletes it with the stub).
  events_.push_back(PendingEvent{customer->id, event.timestamp_us, partition, offset, {}});
  return Status::Ok();
}

Status BatchOverlay::HandOff(ProfileState& customer, const EventView::IdentityLink& link,
                             int64_t received_us) {
  // The stored rows of the customer and of customers merged into it in this batch (Flush would
  // move those under its prefix), then this batch's rows, each sent on as a copy and emptied.
  std::vector<std::string> prefixes{customer.id};
  for (const Merge& merge : merges_) {
    if (Root(merge.loser) == customer.id) prefixes.push_back(merge.loser);
  }
  auto it = store_.NewIterator(Cf::kEvents);
  for (const std::string& prefix : prefixes) {
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      if (key.size() != prefix.size() + kEventSuffixSize || it->value().empty()) continue;
      const std::string_view suffix = key.substr(prefix.size());
      const uint32_t origin_partition = GetFixed32BE(suffix.substr(8, 4));
      const uint64_t origin_offset = GetFixed64BE(suffix.substr(12, 8));
      Forward(it->value().ToStringView(), link.peer, origin_partition, origin_offset,
              /*history=*/true, customer.id, received_us);
      emptied_rows_.push_back(customer.id + std::string(suffix));
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading a merged customer's history"));
  }
  for (PendingEvent& pending : events_) {
    if (pending.payload.empty() || Root(pending.customer) != customer.id) continue;
    Forward(pending.payload, link.peer, pending.partition, pending.offset, /*history=*/true,
            customer.id, received_us);
    pending.payload = {};
  }
  ProfileState stub;
  stub.id = customer.id;
  stub.identities = std::move(customer.identities);
  stub.merged_from = std::move(customer.merged_from);
  stub.merged_into = std::string(link.peer_customer);
  stub.merged_via = std::string(link.peer);
  customer = std::move(stub);
  MarkDirty(customer);
  return Status::Ok();
}

Status BatchOverlay::ApplyCopy(const EventView& event, uint32_t partition, uint64_t offset,
                               std::string_view payload) {
  const EventView::Forwarded& forwarded = *event.forwarded;
  const std::string marker =
      ForwardMarkerKey(partition, forwarded.origin_partition, forwarded.origin_offset);
  auto known = markers_.find(marker);
  if (known == markers_.end()) {
    auto stored = store_.Get(Cf::kMeta, marker);
    if (stored.ok()) {
      if (stored->size() != 8) return Status::Corruption("bad forward marker value");
      known = markers_.emplace(marker, GetFixed64BE(*stored)).first;
    } else if (stored.status().code() != StatusCode::kNotFound) {
      return stored.status();
    }
  }
  if (known != markers_.end() && known->second != offset) return Status::Ok();  // a repeat
  if (known == markers_.end()) {
    markers_.emplace(marker, offset);
    dirty_markers_.insert(marker);
  }
  ASSIGN_OR_RETURN(ProfileState * customer, FindCustomer(std::string(forwarded.to)));
  if (customer == nullptr || customer->IsStub()) {
    // Erased since (or, for a stub, merged on): nothing here may receive the copy.
    LOG(WARNING) << "profiles: a forwarded event at " << partition << "/" << offset
                 << " has no customer to join; dropped";
    dropped_records_.push_back(LogPosition{partition, offset});  // a copy of erased data
    return Status::Ok();
  }
  customer->AddIdentity(event.user_id.empty()
                            ? IdentityKey(IdentityKind::kAnonymousId, event.anonymous_id)
                            : IdentityKey(IdentityKind::kUserId, event.user_id));
  if (!forwarded.loser.empty() &&
      std::find(customer->merged_from.begin(), customer->merged_from.end(), forwarded.loser) ==
          customer->merged_from.end()) {
    customer->merged_from.emplace_back(forwarded.loser);
  }
  if (!IsSystemSource(event.source)) {
    customer->Apply(event);
    if (!event.email.empty()) {
      const std::string email_key = EmailIdentityKey(pseudonym_key_, event.email);
      RETURN_IF_ERROR(AddEmailRouted(*customer, email_key));
      if (event.email_value != nullptr) customer->email_values[email_key] = *event.email_value;
    }
  }
  MarkDirty(*customer);
  events_.push_back(PendingEvent{customer->id, event.timestamp_us, partition, offset, payload});
  return Status::Ok();
}

}  // namespace mercato::profile

#include "profile/batch_overlay.h"

#include <algorithm>

#include "core/big_endian.h"
#include "core/logging.h"
#include "profile/keys.h"

namespace mercato::profile {
namespace {

// Redirect chains are re-pointed on every merge, so a longer chain means corrupt state.
constexpr int kMaxRedirectHops = 64;

rocksdb::Slice ToSlice(std::string_view text) { return rocksdb::Slice(text.data(), text.size()); }

}  // namespace

Result<ProfileState*> BatchOverlay::Load(const std::string& id) {
  if (auto it = profiles_.find(id); it != profiles_.end()) return it->second.get();
  auto stored = store_.Get(Cf::kProfiles, id);
  if (!stored.ok()) {
    if (stored.status().code() != StatusCode::kNotFound) return stored.status();
    profiles_.emplace(id, nullptr);
    return static_cast<ProfileState*>(nullptr);
  }
  ASSIGN_OR_RETURN(ProfileState parsed, ProfileState::Parse(id, *stored));
  auto owned = std::make_unique<ProfileState>(std::move(parsed));
  ProfileState* raw = owned.get();
  profiles_[id] = std::move(owned);
  return raw;
}

Result<ProfileState*> BatchOverlay::LoadLive(const std::string& id) {
  std::string current = id;
  for (int hop = 0; hop < kMaxRedirectHops; ++hop) {
    ASSIGN_OR_RETURN(ProfileState * state, Load(current));
    if (state == nullptr || state->merged_into.empty()) return state;
    // Routed mode stops at a stub; elsewhere its survivor is followed (and may be absent here).
    if (state->IsStub() && routed()) return state;
    current = state->merged_into;
  }
  return Status::Corruption("redirect chain from customer " + id + " is too long");
}

Result<ProfileState*> BatchOverlay::FindCustomer(const std::string& key) {
  std::string customer_id;
  if (auto it = identities_.find(key); it != identities_.end()) {
    if (it->second.empty()) return static_cast<ProfileState*>(nullptr);
    customer_id = it->second;
  } else {
    auto stored = store_.Get(Cf::kIdentities, IdentityIndexKey(pseudonym_key_, key));
    if (!stored.ok()) {
      if (stored.status().code() != StatusCode::kNotFound) return stored.status();
      identities_.emplace(key, std::string());
      return static_cast<ProfileState*>(nullptr);
    }
    customer_id = std::move(stored).value();
    identities_.emplace(key, customer_id);
  }
  ASSIGN_OR_RETURN(ProfileState * customer, LoadLive(customer_id));
  if (customer == nullptr) {
    // An identity whose profile is gone (e.g. erased): treat the key as new rather than stall the
    // consumer; attaching it again overwrites the stale entry.
    LOG(WARNING) << "identity points to missing customer " << customer_id << "; treating it as new";
    identities_[key].clear();
  }
  return customer;
}

Result<ProfileState*> BatchOverlay::Create(const std::string& first_key) {
  for (uint64_t seed = 0; seed < 16; ++seed) {
    std::string id = CustomerIdFor(first_key, seed);
    ASSIGN_OR_RETURN(ProfileState * existing, Load(id));
    if (existing != nullptr) continue;  // a 64-bit collision with a used id: take the next seed
    auto state = std::make_unique<ProfileState>();
    state->id = id;
    ProfileState* raw = state.get();
    profiles_[id] = std::move(state);
    MarkDirty(*raw);
    return raw;
  }
  return Status::Internal("no free customer id for identity " + first_key);
}

void BatchOverlay::Attach(ProfileState& customer, const std::string& key) {
  identities_[key] = customer.id;
  dirty_identities_.insert(key);
  customer.AddIdentity(key);
  MarkDirty(customer);
}

ProfileState* BatchOverlay::MergeGroup(const std::vector<ProfileState*>& group) {
  ProfileState* survivor = *std::min_element(group.begin(), group.end(),
                                             [](const ProfileState* a, const ProfileState* b) {
                                               if (a->first_seen_us != b->first_seen_us)
                                                 return a->first_seen_us < b->first_seen_us;
                                               return a->id < b->id;
                                             });
  for (ProfileState* loser : group) {
    if (loser == survivor) continue;
    survivor->Absorb(*loser);
    for (const std::string& key : loser->identities) {
      identities_[key] = survivor->id;
      dirty_identities_.insert(key);
    }
    merges_.push_back(Merge{loser->id, std::move(loser->merged_from)});
    std::string loser_id = loser->id;
    *loser = ProfileState();
    loser->id = std::move(loser_id);
    loser->merged_into = survivor->id;
    MarkDirty(*loser);
  }
  MarkDirty(*survivor);
  return survivor;
}

Status BatchOverlay::Apply(const EventView& event, uint32_t partition, uint64_t offset,
                           std::string_view payload) {
  if (routed() && event.link) return ApplyLink(event, partition, offset);
  if (routed() && event.forwarded) return ApplyCopy(event, partition, offset, payload);
  const bool has_user = !event.user_id.empty();
  const bool is_alias = event.type == EventType::kAlias;
  const std::string primary = has_user
                                  ? IdentityKey(IdentityKind::kUserId, event.user_id)
                                  : IdentityKey(IdentityKind::kAnonymousId, event.anonymous_id);
  if (IsSystemSource(event.source)) {
    // The engine's own events (event/event.h): history only, for a customer that still exists.
    ASSIGN_OR_RETURN(ProfileState * owner, FindCustomer(primary));
    if (owner != nullptr) {
      events_.push_back(PendingEvent{owner->id, event.timestamp_us, partition, offset, payload});
    }
    return Status::Ok();
  }
  std::vector<std::string> linked;
  std::vector<std::string> foreign;  // routed mode: keys of other partitions, linked by message
  if (has_user && !event.anonymous_id.empty()) {
    std::string key = IdentityKey(IdentityKind::kAnonymousId, event.anonymous_id);
    (Foreign(key, partition) ? foreign : linked).push_back(std::move(key));
  }
  if (is_alias && !event.previous_id.empty() && event.previous_id != event.user_id &&
      Foreign(IdentityKey(IdentityKind::kUserId, event.previous_id), partition)) {
    foreign.push_back("?:" + std::string(event.previous_id));
  } else if (is_alias && !event.previous_id.empty() && event.previous_id != event.user_id) {
    // previousId may be an earlier userId or an anonymousId; an unknown one is taken as anonymous.
    std::string as_user = IdentityKey(IdentityKind::kUserId, event.previous_id);
    ASSIGN_OR_RETURN(ProfileState * previous_user, FindCustomer(as_user));
    linked.push_back(previous_user != nullptr
                         ? std::move(as_user)
                         : IdentityKey(IdentityKind::kAnonymousId, event.previous_id));
  }
  std::string email_key;
  if (!event.email.empty()) {
    email_key = EmailIdentityKey(pseudonym_key_, event.email);
    if (!routed()) linked.push_back(email_key);
  }
  // alias usually repeats its anonymousId as previousId.
  std::sort(linked.begin(), linked.end());
  linked.erase(std::unique(linked.begin(), linked.end()), linked.end());

  ASSIGN_OR_RETURN(ProfileState * target, FindCustomer(primary));
  if (target != nullptr && target->IsStub()) {
    // Merged into a customer of another partition: the event goes on to it, and the row stays
    // here empty so that erasure finds the log record.
    Forward(payload, target->merged_via, partition, offset, /*history=*/false, {},
            event.timestamp_us);
    events_.push_back(PendingEvent{target->id, event.timestamp_us, partition, offset, {}});
    return Status::Ok();
  }
  std::vector<ProfileState*> group;
  std::vector<const std::string*> unknown;
  if (target != nullptr) {
    group.push_back(target);
  } else {
    unknown.push_back(&primary);
  }
  for (const std::string& key : linked) {
    ASSIGN_OR_RETURN(ProfileState * customer, FindCustomer(key));
    if (customer == nullptr) {
      unknown.push_back(&key);
      continue;
    }
    if (std::find(group.begin(), group.end(), customer) != group.end()) continue;
    if (customer->IsStub()) continue;  // merged into another partition's customer already
    if (!is_alias) {
      // Never join two customers with userIds on a shared identifier (a family device, a shared
      // mailbox): only alias states that two userIds are one person.
      const bool conflict = has_user
                                ? customer->HasUserId()
                                : target != nullptr && target->HasUserId() && customer->HasUserId();
      if (conflict) continue;
    }
    group.push_back(customer);
  }

  ProfileState* customer = nullptr;
  if (group.empty()) {
    ASSIGN_OR_RETURN(customer, Create(primary));
  } else if (group.size() == 1) {
    customer = group.front();
  } else {
    customer = MergeGroup(group);
  }
  for (const std::string* key : unknown) Attach(*customer, *key);
  customer->Apply(event);
  if (routed() && !email_key.empty()) RETURN_IF_ERROR(AddEmailRouted(*customer, email_key));
  if (has_user) {
    for (size_t seq = 0; seq < foreign.size(); ++seq) {
      const std::string& key = foreign[seq];
      const std::string_view value = std::string_view(key).substr(2);
      const bool held = key[0] == '?' ? customer->HasIdentity("u:" + std::string(value)) ||
                                            customer->HasIdentity("a:" + std::string(value))
                                      : customer->HasIdentity(key);
      if (!held) {
        RETURN_IF_ERROR(EmitLink(key, primary, *customer, is_alias, partition, offset, seq, event));
      }
    }
  }
  if (!email_key.empty() && event.email_value != nullptr && customer->HasIdentity(email_key)) {
    customer->email_values[email_key] = *event.email_value;
  }
  MarkDirty(*customer);
  events_.push_back(PendingEvent{customer->id, event.timestamp_us, partition, offset, payload});
  return Status::Ok();
}

const std::string& BatchOverlay::Root(const std::string& id) const {
  const std::string* current = &id;
  for (int hop = 0; hop < kMaxRedirectHops; ++hop) {
    auto it = profiles_.find(*current);
    if (it == profiles_.end() || it->second == nullptr || it->second->merged_into.empty() ||
        it->second->IsStub()) {
      break;
    }
    current = &it->second->merged_into;
  }
  return *current;
}

Status BatchOverlay::Flush(rocksdb::WriteBatch& batch) {
  rocksdb::ColumnFamilyHandle* events_cf = store_.cf(Cf::kEvents);
  rocksdb::ColumnFamilyHandle* profiles_cf = store_.cf(Cf::kProfiles);
  rocksdb::ColumnFamilyHandle* identities_cf = store_.cf(Cf::kIdentities);
  // Deletes first: whatever this batch writes after an erasure (a customer created again) wins.
  FlushErasures(batch);

  // Histories of merged customers move under the survivor's prefix; the keys keep their suffix, so
  // the move is idempotent and the order stays by time.
  if (!merges_.empty()) {
    auto it = store_.NewIterator(Cf::kEvents);
    for (const Merge& merge : merges_) {
      const std::string& root = Root(merge.loser);
      for (it->Seek(merge.loser); it->Valid() && it->key().starts_with(merge.loser); it->Next()) {
        std::string moved = root;
        moved.append(it->key().data() + merge.loser.size(), it->key().size() - merge.loser.size());
        batch.Delete(events_cf, it->key());
        batch.Put(events_cf, moved, it->value());
      }
      RETURN_IF_ERROR(FromRocks(it->status(), "moving a merged customer's history"));
      const std::string redirect = ProfileState::SerializeRedirect(root);
      for (const std::string& earlier : merge.loser_merged_from) {
        batch.Put(profiles_cf, earlier, redirect);
      }
    }
  }
  for (const std::string& key : dirty_identities_) {
    batch.Put(identities_cf, IdentityIndexKey(pseudonym_key_, key), Root(identities_.at(key)));
  }
  for (const std::string& id : dirty_profiles_) {
    const ProfileState& state = *profiles_.at(id);
    if (state.IsStub()) {
      batch.Put(profiles_cf, id, state.SerializeStub());
    } else if (state.merged_into.empty()) {
      batch.Put(profiles_cf, id, state.Serialize());
    } else {
      batch.Put(profiles_cf, id, ProfileState::SerializeRedirect(Root(id)));
    }
  }
  for (const std::string& key : emptied_rows_) batch.Put(events_cf, key, rocksdb::Slice());
  for (const std::string& key : dirty_links_sent_) batch.Put(store_.cf(Cf::kMeta), key, "");
  for (const std::string& key : dirty_markers_) {
    std::string value;
    PutFixed64BE(value, markers_.at(key));
    batch.Put(store_.cf(Cf::kMeta), key, value);
  }
  for (const PendingEvent& event : events_) {
    if (event.dropped) continue;
    batch.Put(events_cf,
              EventKey(Root(event.customer), event.timestamp_us, event.partition, event.offset),
              ToSlice(event.payload));
  }
  return Status::Ok();
}

}  // namespace mercato::profile

#include "pipeline/delivery_guards.h"

#include "core/big_endian.h"
#include "journey/engine_keys.h"
#include "profile/profile_state.h"

namespace mercato {
namespace {

std::string FrequencyPrefix(std::string_view customer, std::string_view channel) {
  return "f/" + std::string(customer) + "/" + std::string(channel) + "/";
}

std::optional<Purpose> PurposeOf(journey::Channel channel) {
  switch (channel) {
    case journey::Channel::kEmail:
    case journey::Channel::kPush:
    case journey::Channel::kChat:
      return Purpose::kEmailMarketing;
    case journey::Channel::kAudienceAdd:
      return Purpose::kAdvertising;
    case journey::Channel::kWebhook:
    case journey::Channel::kAudienceRemove:
      break;
  }
  return std::nullopt;
}

Result<int64_t> NextLocal(const DeliveryOptions& options, std::string_view customer, int64_t now_us,
                          int minute) {
  if (options.next_local_time) return options.next_local_time(customer, now_us, minute);
  return NextUtcMinute(now_us, minute);
}

}  // namespace

int64_t NextUtcMinute(int64_t now_us, int minute) {
  const int64_t day_start = now_us - (((now_us % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay);
  int64_t at = day_start + static_cast<int64_t>(minute) * 60 * kMicrosPerSecond;
  while (at <= now_us) at += kMicrosPerDay;
  return at;
}

std::string SuppressionKey(std::string_view customer, std::string_view channel) {
  return "u/" + std::string(customer) + "/" + std::string(channel);
}

Result<bool> ConsentAllows(Store& store, std::string_view customer, Purpose purpose,
                           const ConsentDefaults& defaults) {
  ASSIGN_OR_RETURN(std::string stored, store.Get(Cf::kProfiles, customer));
  ASSIGN_OR_RETURN(profile::ProfileState state, profile::ProfileState::Parse(customer, stored));
  return state.consent.Allows(purpose, defaults);
}

Result<std::string> CheckGuards(const GuardContext& context, const journey::OutboxMessage& message,
                                std::string_view customer, int64_t now_us, int64_t& defer_until) {
  defer_until = 0;
  if (!message.channel || *message.channel == journey::Channel::kAudienceRemove) {
    return std::string();  // trait updates and removals are never held back
  }
  const std::string_view channel = journey::ChannelName(*message.channel);
  Store& store = context.store;
  const DeliveryOptions& options = context.options;
  if (*message.channel != journey::Channel::kWebhook) {
    Result<std::string> suppressed = store.Get(Cf::kOutbox, SuppressionKey(customer, channel));
    if (suppressed.ok()) return std::string("suppressed");
    if (suppressed.status().code() != StatusCode::kNotFound) return suppressed.status();
  }
  if (std::optional<Purpose> purpose = PurposeOf(*message.channel)) {
    ASSIGN_OR_RETURN(bool allowed,
                     ConsentAllows(store, customer, *purpose, options.consent_defaults));
    if (!allowed) return std::string("consent");
  }
  if (auto cap = options.caps.find(channel);
      cap != options.caps.end() && cap->second.max_messages > 0) {
    const std::string prefix = FrequencyPrefix(customer, channel);
    std::string from = prefix;
    PutInt64Ordered(from, now_us - cap->second.window_us);
    uint32_t sent = 0;
    auto it = store.NewIterator(Cf::kOutbox);
    for (it->Seek(from); it->Valid() && it->key().starts_with(prefix); it->Next()) ++sent;
    RETURN_IF_ERROR(FromRocks(it->status(), "reading send records"));
    if (sent >= cap->second.max_messages) return std::string("frequency_cap");
  }
  if (options.quiet_start_minute >= 0 && options.quiet_end_minute >= 0 &&
      options.quiet_start_minute != options.quiet_end_minute) {
    ASSIGN_OR_RETURN(int64_t end, NextLocal(options, customer, now_us, options.quiet_end_minute));
    ASSIGN_OR_RETURN(int64_t start,
                     NextLocal(options, customer, now_us, options.quiet_start_minute));
    // Inside quiet hours the end comes before the next start.
    if (end < start) {
      defer_until = end;
      return std::string("quiet_hours");
    }
  }
  return std::string();
}

void RecordSend(Store& store, rocksdb::WriteBatch& batch, std::string_view customer,
                std::string_view channel, int64_t now_us, const DeliveryOptions& options) {
  auto cap = options.caps.find(channel);
  if (cap == options.caps.end() || cap->second.max_messages == 0) return;
  const std::string prefix = FrequencyPrefix(customer, channel);
  std::string key = prefix;
  PutInt64Ordered(key, now_us);
  batch.Put(store.cf(Cf::kOutbox), key, "");
  std::string expired = prefix;
  PutInt64Ordered(expired, now_us - cap->second.window_us);
  batch.DeleteRange(store.cf(Cf::kOutbox), prefix, expired);
}

Result<size_t> EraseGuardRecords(Store& store, std::string_view customer, int64_t now_us) {
  rocksdb::WriteBatch batch;
  size_t removed = 0;
  for (const std::string& prefix :
       {"u/" + std::string(customer) + "/", "f/" + std::string(customer) + "/"}) {
    auto it = store.NewIterator(Cf::kOutbox);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      batch.Delete(store.cf(Cf::kOutbox), it->key());
      ++removed;
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading delivery records"));
  }
  const std::string members = journey::AudienceMemberPrefix(customer);
  auto it = store.NewIterator(Cf::kOutbox);
  for (it->Seek(members); it->Valid() && it->key().starts_with(members); it->Next()) {
    const std::string_view audience = it->key().ToStringView().substr(members.size());
    const journey::OutboxMessage removal =
        journey::AudienceRemoval(customer, audience, "erasure", it->value().ToStringView(), now_us);
    batch.Put(store.cf(Cf::kOutbox), journey::OutboxKey(now_us, removal.key), removal.Serialize());
    batch.Delete(store.cf(Cf::kOutbox), it->key());
    ++removed;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading audience memberships"));
  if (removed > 0) RETURN_IF_ERROR(store.Write(batch, /*sync=*/true));
  return removed;
}

}  // namespace mercato

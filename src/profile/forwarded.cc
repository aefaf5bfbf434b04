#include "profile/forwarded.h"

#include <boost/json.hpp>
#include <set>
#include <utility>

#include "core/big_endian.h"
#include "core/time_format.h"
#include "profile/keys.h"
#include "profile/profile_state.h"

namespace mercato::profile {
namespace json = boost::json;

Result<bool> IsRepeatedCopy(Store& store, uint32_t partition, uint64_t offset,
                            const EventView& event) {
  if (!event.forwarded) return false;
  auto stored = store.Get(Cf::kMeta, ForwardMarkerKey(partition, event.forwarded->origin_partition,
                                                      event.forwarded->origin_offset));
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) return false;
    return stored.status();
  }
  if (stored->size() != 8) return Status::Corruption("bad forward marker value");
  return GetFixed64BE(*stored) != offset;
}

Result<std::optional<std::string>> LinkedStub(Store& store, std::string_view pseudonym_key,
                                              const EventView& event) {
  if (!event.link) return std::optional<std::string>();
  const std::string_view value = event.link->key.substr(2);
  std::vector<std::string> keys;
  if (event.link->key[0] == '?') {
    keys = {IdentityKey(IdentityKind::kUserId, value),
            IdentityKey(IdentityKind::kAnonymousId, value)};
  } else {
    keys = {std::string(event.link->key)};
  }
  for (const std::string& key : keys) {
    auto customer = store.Get(Cf::kIdentities, IdentityIndexKey(pseudonym_key, key));
    if (!customer.ok()) {
      if (customer.status().code() == StatusCode::kNotFound) continue;
      return customer.status();
    }
    auto stored = store.Get(Cf::kProfiles, *customer);
    if (!stored.ok()) {
      if (stored.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
      return stored.status();
    }
    ASSIGN_OR_RETURN(ProfileState state, ProfileState::Parse(*customer, *stored));
    if (state.IsStub() && state.merged_via == event.link->peer) {
      return std::optional<std::string>(std::move(*customer));
    }
    return std::optional<std::string>();
  }
  return std::optional<std::string>();
}

Result<std::vector<AppendItem>> ErasureMessages(
    Store& store, std::string_view customer_id,
    const std::function<uint32_t(std::string_view)>& partition_for, int64_t now_us) {
  std::vector<AppendItem> messages;
  auto stored = store.Get(Cf::kProfiles, customer_id);
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) return messages;
    return stored.status();
  }
  ASSIGN_OR_RETURN(ProfileState state, ProfileState::Parse(customer_id, *stored));
  if (!state.merged_into.empty()) return messages;
  std::set<std::pair<std::string, std::string>> links;  // (key, peer)
  auto it = store.NewIterator(Cf::kEvents);
  for (it->Seek(state.id); it->Valid() && it->key().starts_with(state.id); it->Next()) {
    if (it->value().empty()) continue;
    boost::system::error_code ec;
    json::value root = json::parse(it->value().ToStringView(), ec);
    if (ec || !root.is_object() || root.get_object().contains(kForwardedMember)) continue;
    const json::object& event = root.get_object();
    const std::string_view user = StringField(&event, "userId");
    if (user.empty()) continue;
    const uint32_t home = partition_for(user);
    const std::string_view anonymous = StringField(&event, "anonymousId");
    if (!anonymous.empty() && partition_for(anonymous) != home) {
      links.emplace("a:" + std::string(anonymous), "u:" + std::string(user));
    }
    const std::string_view previous = StringField(&event, "previousId");
    if (StringField(&event, "type") == "alias" && !previous.empty() &&
        partition_for(previous) != home) {
      links.emplace("?:" + std::string(previous), "u:" + std::string(user));
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading an erased customer's history"));
  for (const auto& [key, peer] : links) {
    const std::string_view value = std::string_view(key).substr(2);
    json::object erase{{"type", "track"},
                       {"event", kIdentityEraseEvent},
                       {"source", kIdentitySystemSource},
                       {"anonymousId", value},
                       {"messageId", "ide-" + state.id + "-" + std::to_string(messages.size())},
                       {"timestamp", FormatTimestamp(now_us)},
                       {"receivedAt", FormatTimestamp(now_us)},
                       {"properties", json::object{{"key", key}, {"peer", peer}}}};
    messages.push_back(
        AppendItem{std::string(value), std::string(), now_us, json::serialize(erase), {}});
  }
  return messages;
}

}  // namespace mercato::profile

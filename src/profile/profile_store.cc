#include "profile/profile_store.h"

#include <boost/json.hpp>

#include "core/time_format.h"
#include "event/json_writer.h"
#include "privacy/field_cipher.h"
#include "profile/keys.h"
#include "profile/prediction_store.h"
#include "profile/profile_state.h"

namespace mercato {
namespace {

// Redirect chains are re-pointed on every merge, so a longer chain means corrupt state.
constexpr int kMaxRedirectHops = 64;
constexpr size_t kMaxPageSize = 1000;
// Prefixes the builder writes first (profile/profile_state.h) so counting needs no parse.
constexpr std::string_view kRedirectPrefix = "{\"mergedInto\"";
constexpr std::string_view kKnownPrefix = "{\"known\":true";
constexpr std::string_view kUnknownPrefix = "{\"known\":false";

// One consistent view of the database for the duration of a call.
class SnapshotRead {
 public:
  explicit SnapshotRead(Store& store) : store_(store), snapshot_(store.db()->GetSnapshot()) {
    options_.snapshot = snapshot_;
  }
  ~SnapshotRead() { store_.db()->ReleaseSnapshot(snapshot_); }
  SnapshotRead(const SnapshotRead&) = delete;
  SnapshotRead& operator=(const SnapshotRead&) = delete;

  // NotFound when absent.
  Result<std::string> Get(Cf family, std::string_view key) {
    std::string value;
    rocksdb::Status status = store_.db()->Get(options_, store_.cf(family),
                                              rocksdb::Slice(key.data(), key.size()), &value);
    if (status.IsNotFound()) return Status::NotFound("not found");
    if (!status.ok()) return FromRocks(status, "profile read");
    return value;
  }
  std::unique_ptr<rocksdb::Iterator> NewIterator(Cf family) {
    return std::unique_ptr<rocksdb::Iterator>(
        store_.db()->NewIterator(options_, store_.cf(family)));
  }

 private:
  Store& store_;
  const rocksdb::Snapshot* snapshot_;
  rocksdb::ReadOptions options_;
};

// Follows redirects from `id`; returns the live customer id and its stored profile.
Result<std::pair<std::string, std::string>> FollowRedirects(SnapshotRead& read,
                                                            std::string_view id) {
  std::string current(id);
  std::string via;  // the survivor's identity, once a stub was passed (cluster mode)
  for (int hop = 0; hop < kMaxRedirectHops; ++hop) {
    auto stored = read.Get(Cf::kProfiles, current);
    if (!stored.ok()) {
      if (stored.status().code() != StatusCode::kNotFound) return stored.status();
      if (!via.empty() && (via.starts_with("u:") || via.starts_with("a:"))) {
        // Merged into a customer of a partition this node does not hold: say whom to ask for.
        return Status::NotFound("customer '" + std::string(id) +
                                "' was merged into the customer of " +
                                std::string(profile::IdentityKindName(via)) + " '" + via.substr(2) +
                                "', which this node does not hold: read it by that id");
      }
      return Status::NotFound("no customer '" + std::string(id) + "'");
    }
    if (!std::string_view(*stored).starts_with(kRedirectPrefix)) {
      return std::make_pair(std::move(current), std::move(stored).value());
    }
    ASSIGN_OR_RETURN(profile::ProfileState redirect,
                     profile::ProfileState::Parse(current, *stored));
    if (redirect.IsStub()) via = redirect.merged_via;
    current = redirect.merged_into;
  }
  return Status::Corruption("redirect chain from customer " + std::string(id) + " is too long");
}

// A stored event with its personal values decrypted (null where the key is destroyed).
Result<std::string> DecryptedEvent(const rocksdb::Slice& stored, const KeyVault& vault) {
  std::string_view text(stored.data(), stored.size());
  if (text.find(kEncryptedMember) == std::string_view::npos) return std::string(text);
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(text, ec);
  if (ec) return Status::Corruption("a stored event is not JSON");
  RETURN_IF_ERROR(DecryptTree(root, vault));
  return SerializeJson(root);
}

// The API object of a customer's predictions; all null without consent to profiling (a run
// deletes them, but consent may have been withdrawn since the last run).
Result<std::string> RenderPredictions(Store& store, const profile::ProfileState& state) {
  if (!state.consent.Allows(Purpose::kProfiling)) return Predictions{}.RenderApiJson();
  ASSIGN_OR_RETURN(Predictions predictions, PredictionStore(store).Get(state.id));
  return predictions.RenderApiJson();
}

}  // namespace

Result<std::string> ProfileStore::Resolve(std::string_view id) const {
  if (id.empty()) return Status::NotFound("empty id");
  SnapshotRead read(store_);
  const std::string& pseudonym_key = vault_.pseudonym_key();
  std::vector<std::string> keys = {profile::IdentityKey(profile::IdentityKind::kUserId, id),
                                   profile::IdentityKey(profile::IdentityKind::kAnonymousId, id)};
  if (std::string email = profile::NormalizeEmail(id); !email.empty()) {
    keys.push_back(profile::EmailIdentityKey(pseudonym_key, email));
  }
  for (const std::string& key : keys) {
    auto customer = read.Get(Cf::kIdentities, profile::IdentityIndexKey(pseudonym_key, key));
    if (customer.ok()) {
      ASSIGN_OR_RETURN(auto live, FollowRedirects(read, *customer));
      return std::move(live.first);
    }
    if (customer.status().code() != StatusCode::kNotFound) return customer.status();
  }
  if (!profile::IsCustomerId(id))
    return Status::NotFound("no customer for '" + std::string(id) + "'");
  ASSIGN_OR_RETURN(auto live, FollowRedirects(read, id));
  return std::move(live.first);
}

Result<std::string> ProfileStore::ProfileJson(std::string_view customer_id) const {
  SnapshotRead read(store_);
  ASSIGN_OR_RETURN(auto live, FollowRedirects(read, customer_id));
  ASSIGN_OR_RETURN(profile::ProfileState state,
                   profile::ProfileState::Parse(live.first, live.second));
  RETURN_IF_ERROR(state.DecryptPersonal(vault_));
  ASSIGN_OR_RETURN(std::string predictions, RenderPredictions(store_, state));
  std::string text = state.RenderApiJson(clock_.NowMicros());
  // RenderApiJson writes one object: add the member before its closing brace.
  text.pop_back();
  text += ",\"predictions\":" + predictions + "}";
  return text;
}

Result<std::string> ProfileStore::PredictionsJson(std::string_view customer_id) const {
  SnapshotRead read(store_);
  ASSIGN_OR_RETURN(auto live, FollowRedirects(read, customer_id));
  ASSIGN_OR_RETURN(profile::ProfileState state,
                   profile::ProfileState::Parse(live.first, live.second));
  ASSIGN_OR_RETURN(std::string predictions, RenderPredictions(store_, state));
  return "{\"customerId\":\"" + live.first + "\"," + predictions.substr(1);
}

Result<std::string> ProfileStore::ExportJson(std::string_view customer_id) const {
  ASSIGN_OR_RETURN(std::string profile_json, ProfileJson(customer_id));
  ASSIGN_OR_RETURN(std::string live, Resolve(customer_id));
  std::string out = "{\"customerId\":\"" + live + "\",\"exportedAt\":\"" +
                    FormatTimestamp(clock_.NowMicros()) + "\",\"profile\":" + profile_json +
                    ",\"events\":[";
  std::string cursor;
  bool first = true;
  do {
    ASSIGN_OR_RETURN(EventPage page, Events(live, cursor, kMaxPageSize));
    for (std::string& event : page.events) {
      if (!first) out.push_back(',');
      first = false;
      out += event;
    }
    cursor = std::move(page.next_cursor);
  } while (!cursor.empty());
  out += "]}";
  return out;
}

Result<EventPage> ProfileStore::Events(std::string_view customer_id, std::string_view cursor,
                                       size_t limit, bool newest_first) const {
  if (limit < 1 || limit > kMaxPageSize) {
    return Status::InvalidArgument("limit must be between 1 and " + std::to_string(kMaxPageSize));
  }
  std::string after;
  if (!cursor.empty() &&
      (cursor.size() != 2 * profile::kEventSuffixSize || !profile::HexDecode(cursor, after))) {
    return Status::InvalidArgument("malformed events cursor");
  }
  SnapshotRead read(store_);
  ASSIGN_OR_RETURN(auto live, FollowRedirects(read, customer_id));
  const std::string& prefix = live.first;
  // A cursor is the key suffix (time | partition | offset) of the last event returned; it stays
  // valid when the customer is merged, since moved rows keep their suffix.
  std::string start = prefix + after;
  EventPage page;
  auto it = read.NewIterator(Cf::kEvents);
  // Newest first walks backwards from the cursor, or from above every suffix of the customer.
  const auto advance = [&] { newest_first ? it->Prev() : it->Next(); };
  if (newest_first) {
    it->SeekForPrev(after.empty() ? prefix + std::string(profile::kEventSuffixSize, '\xff')
                                  : start);
  } else {
    it->Seek(start);
  }
  if (!after.empty() && it->Valid() && it->key() == rocksdb::Slice(start)) advance();
  std::string last_suffix;
  for (; it->Valid() && it->key().starts_with(prefix); advance()) {
    if (page.events.size() == limit) {
      page.next_cursor = profile::HexEncode(last_suffix);
      break;
    }
    if (it->key().size() != prefix.size() + profile::kEventSuffixSize) {
      return Status::Corruption("bad events key for customer " + prefix);
    }
    ASSIGN_OR_RETURN(std::string event, DecryptedEvent(it->value(), vault_));
    page.events.push_back(std::move(event));
    last_suffix.assign(it->key().data() + prefix.size(), profile::kEventSuffixSize);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading customer events"));
  return page;
}

Result<ProfileStore::Counts> ProfileStore::CountCustomers() const {
  SnapshotRead read(store_);
  Counts counts;
  auto it = read.NewIterator(Cf::kProfiles);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view value(it->value().data(), it->value().size());
    if (value.starts_with(kRedirectPrefix)) continue;
    if (value.starts_with(kKnownPrefix)) {
      ++counts.customers;
      ++counts.known_customers;
    } else if (value.starts_with(kUnknownPrefix)) {
      ++counts.customers;
    } else {
      // Not in the builder's canonical layout: classify it the slow way.
      std::string_view key(it->key().data(), it->key().size());
      ASSIGN_OR_RETURN(profile::ProfileState state, profile::ProfileState::Parse(key, value));
      if (!state.merged_into.empty()) continue;
      ++counts.customers;
      if (state.HasUserId()) ++counts.known_customers;
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "counting customers"));
  return counts;
}

Result<ProfileStore::Totals> ProfileStore::ComputeTotals(bool known_only) const {
  SnapshotRead read(store_);
  Totals totals;
  constexpr int64_t kActiveWindowUs = 30 * kMicrosPerDay;
  const int64_t active_since_us = clock_.NowMicros() - kActiveWindowUs;
  auto it = read.NewIterator(Cf::kProfiles);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    if (value.starts_with(kRedirectPrefix)) continue;
    ASSIGN_OR_RETURN(profile::ProfileState state, profile::ProfileState::Parse(key, value));
    if (!state.merged_into.empty()) continue;
    if (known_only && !state.HasUserId()) continue;
    if (owns_ && !owns_(state.HomeRoutingValue())) continue;
    ++totals.customers;
    if (state.HasUserId()) ++totals.known_customers;
    totals.events += state.TotalEvents();
    totals.orders += state.orders;
    totals.refunds += state.refunds;
    totals.revenue_micros += state.revenue_micros;
    if (state.last_seen_us >= active_since_us) ++totals.active_30d;
    for (size_t purpose = 0; purpose < kPurposeCount; ++purpose) {
      const std::optional<ConsentDecision>& decision = state.consent.decisions[purpose];
      ConsentCounts& counts = totals.consent[purpose];
      ++(!decision ? counts.undecided : decision->granted ? counts.granted : counts.denied);
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "computing totals"));
  return totals;
}

}  // namespace mercato

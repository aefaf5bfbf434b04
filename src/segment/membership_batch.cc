// MembershipBatch (engine_impl.h): staged membership changes and the segment events they cause.

#include <boost/json/object.hpp>

#include "core/big_endian.h"
#include "core/hash.h"
#include "core/time_format.h"
#include "event/json_writer.h"
#include "segment/engine_impl.h"
#include "segment/keys.h"

namespace mercato::segment {
namespace {

namespace json = boost::json;

constexpr std::string_view kSource = "mercato/segments";

// The userId of the profile, else its anonymousId: the identity the event is routed by.
std::pair<std::string_view, std::string_view> RoutingIdentity(const profile::ProfileState& p) {
  std::string_view anonymous;
  for (const std::string& key : p.identities) {
    if (key.starts_with("u:")) return {"userId", std::string_view(key).substr(2)};
    if (anonymous.empty() && key.starts_with("a:")) anonymous = std::string_view(key).substr(2);
  }
  return {"anonymousId", anonymous};
}

std::string Hex64(uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kDigits[value & 0xF];
    value >>= 4;
  }
  return out;
}

}  // namespace

void MembershipBatch::AddEvent(const CompiledSegment& segment, const profile::ProfileState& profile,
                               bool entered, int64_t now_us, std::string_view reason,
                               std::string_view cause) {
  auto [identity_field, identity] = RoutingIdentity(profile);
  if (identity.empty()) return;  // a profile always has one; nothing to route by otherwise
  // Deterministic: the same decision from the same cause gets the same id (deduped by the log).
  std::string seed = segment.def.id;
  seed.append("|").append(profile.id).append(entered ? "|in|" : "|out|");
  seed.append(std::to_string(segment.def.version)).append("|").append(cause);
  const std::string message_id =
      "seg-" + Hex64(Hash64(seed, 1)) + Hex64(Hash64(seed, 2)).substr(0, 8);
  const std::string time = FormatTimestamp(now_us);
  json::object event;
  event["type"] = "track";
  event["event"] = entered ? kSegmentEnteredEvent : kSegmentExitedEvent;
  event["messageId"] = message_id;
  event[identity_field] = identity;
  event["timestamp"] = time;
  event["receivedAt"] = time;
  event["source"] = kSource;
  event["properties"] = json::object{{"segment_id", segment.def.id},
                                     {"segment_name", segment.def.name},
                                     {"segment_version", segment.def.version},
                                     {"customer_id", profile.id},
                                     {"reason", reason}};
  events_.push_back(AppendItem{std::string(identity), message_id, now_us, SerializeJson(event)});
}

void MembershipBatch::Enter(CompiledSegment& segment, const profile::ProfileState& profile,
                            int64_t now_us, std::string_view reason, std::string_view cause) {
  batch_.Put(engine_.store_.cf(Cf::kSegments), MemberKey(segment.def.id, profile.id),
             EncodeMicros(now_us));
  batch_.Put(engine_.store_.cf(Cf::kSegments), CustomerKey(profile.id, segment.def.id), "");
  ++deltas_[&segment];
  ++transitions_;
  ++entered_;
  AddEvent(segment, profile, true, now_us, reason, cause);
}

void MembershipBatch::Exit(CompiledSegment& segment, std::string_view customer,
                           const profile::ProfileState* profile, int64_t now_us,
                           std::string_view reason, std::string_view cause) {
  batch_.Delete(engine_.store_.cf(Cf::kSegments), MemberKey(segment.def.id, customer));
  batch_.Delete(engine_.store_.cf(Cf::kSegments), CustomerKey(customer, segment.def.id));
  --deltas_[&segment];
  ++transitions_;
  ++exited_;
  if (profile != nullptr) AddEvent(segment, *profile, false, now_us, reason, cause);
}

void MembershipBatch::SetTimer(std::string_view id, std::string_view customer,
                               std::optional<int64_t> old_due, std::optional<int64_t> new_due) {
  if (old_due == new_due) return;
  rocksdb::ColumnFamilyHandle* cf = engine_.store_.cf(Cf::kSegments);
  if (old_due) batch_.Delete(cf, TimerKey(*old_due, id, customer));
  if (new_due) {
    batch_.Put(cf, TimerKey(*new_due, id, customer), "");
    batch_.Put(cf, TimerIndexKey(id, customer), EncodeMicros(*new_due));
  } else {
    batch_.Delete(cf, TimerIndexKey(id, customer));
  }
}

Status MembershipBatch::Commit() {
  for (const auto& [segment, delta] : deltas_) {
    const auto size = static_cast<uint64_t>(static_cast<int64_t>(segment->size) + delta);
    std::string value;
    PutFixed64BE(value, size);
    batch_.Put(engine_.store_.cf(Cf::kSegments), CountKey(segment->def.id), value);
  }
  if (!events_.empty()) {
    // Appended first: a crash before the batch repeats the step, whose events are then duplicates.
    RETURN_IF_ERROR(engine_.log_.Append(std::move(events_)).status());
    events_.clear();
  }
  RETURN_IF_ERROR(engine_.store_.Write(batch_, false));
  for (const auto& [segment, delta] : deltas_) {
    segment->size = static_cast<uint64_t>(static_cast<int64_t>(segment->size) + delta);
  }
  if (engine_.entered_ != nullptr) {
    engine_.entered_->Inc(entered_);
    engine_.exited_->Inc(exited_);
  }
  return Status::Ok();
}

}  // namespace mercato::segment

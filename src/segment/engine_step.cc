// SegmentEngine (segment_engine.h): the consumer's work — re-checks, log records, batch builds.

#include <boost/json/parse.hpp>
#include <chrono>
#include <optional>
#include <set>

#include "analytics/rules/recheck.h"
#include "core/big_endian.h"
#include "core/time_format.h"
#include "profile/event_view.h"
#include "profile/forwarded.h"
#include "profile/keys.h"
#include "segment/engine_impl.h"
#include "segment/keys.h"

namespace mercato::segment {
namespace {

namespace json = boost::json;
constexpr int kMaxRedirectHops = 16;

// What one step learned about a customer from its records.
struct CustomerWork {
  std::set<std::string, std::less<>> track_names;
  std::vector<std::string> traits;
  bool other_events = false;  // an event that is not track (page, screen, group, identify...)
  bool everything = false;    // identities may have merged: every segment is re-evaluated
  uint64_t events = 0;        // records of the customer in this step
  std::string cause;          // the last record: "p<partition>:<offset>"
  int64_t earliest_received_us = 0;
};

void AddTraitNames(const json::object* traits, std::vector<std::string>& out) {
  if (traits == nullptr) return;
  for (const auto& entry : *traits) out.emplace_back(entry.key());
}

}  // namespace

uint64_t SegmentEngine::Impl::Lag() const {
  uint64_t lag = 0;
  for (uint32_t p = 0; p < log_.partitions(); ++p) {
    const uint64_t end = log_.EndOffset(p);
    const uint64_t at = published_cursors_[p].load(std::memory_order_relaxed);
    if (end > at) lag += end - at;
  }
  return lag;
}

Result<size_t> SegmentEngine::Impl::Step(size_t max_records) {
  std::lock_guard lock(mu_);
  const auto started = std::chrono::steady_clock::now();
  const int64_t now = clock_.NowMicros();
  ASSIGN_OR_RETURN(size_t rescored, StepModelRuns());
  ASSIGN_OR_RETURN(size_t rechecked, StepRechecks(now, max_records));
  ASSIGN_OR_RETURN(size_t records, StepRecords(now, max_records));
  ASSIGN_OR_RETURN(size_t built, StepBuild(now));
  const size_t done = rescored + rechecked + records + built;
  if (done > 0 && step_seconds_ != nullptr) {
    step_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return done;
}

Result<Decision> SegmentEngine::Impl::Decide(const CompiledSegment& segment,
                                             const CustomerContext& context, int64_t now_us) const {
  if (evaluations_ != nullptr) evaluations_->Inc();
  Decision decision;
  ASSIGN_OR_RETURN(decision.member, analytics::rules::Matches(segment.rule, context, now_us));
  if (segment.rule.dependencies().time_dependent) {
    ASSIGN_OR_RETURN(decision.recheck_at,
                     analytics::rules::NextRecheckTime(segment.rule.root(), context, now_us));
    if (decision.recheck_at && *decision.recheck_at <= now_us) decision.recheck_at = now_us + 1;
  }
  return decision;
}

void SegmentEngine::Impl::Apply(CompiledSegment& segment, const profile::ProfileState& profile,
                                const Decision& decision, const Known& known, int64_t now_us,
                                std::string_view reason, std::string_view cause,
                                MembershipBatch& batch) {
  const bool was_member = known.member.value_or(false);
  if (decision.member && !was_member) batch.Enter(segment, profile, now_us, reason, cause);
  if (!decision.member && was_member) {
    batch.Exit(segment, profile.id, &profile, now_us, reason, cause);
  }
  // A rule that is not time-dependent (any more) drops a timer left by an earlier version.
  batch.SetTimer(segment.def.id, profile.id, known.timer, decision.recheck_at);
}

Status SegmentEngine::Impl::Reevaluate(CompiledSegment& segment, const CustomerContext& context,
                                       int64_t now_us, std::string_view reason,
                                       std::string_view cause, MembershipBatch& batch,
                                       const Known& given) {
  ASSIGN_OR_RETURN(Decision decision, Decide(segment, context, now_us));
  const std::string& customer = context.profile().id;
  Known known = given;
  if (!known.member) {
    Result<std::string> stored = store_.Get(Cf::kSegments, MemberKey(segment.def.id, customer));
    if (!stored.ok() && stored.status().code() != StatusCode::kNotFound) return stored.status();
    known.member = stored.ok();
  }
  if (!known.timer_known && segment.rule.dependencies().time_dependent) {
    Result<std::string> due = store_.Get(Cf::kSegments, TimerIndexKey(segment.def.id, customer));
    if (due.ok()) {
      known.timer = DecodeMicros(*due);
    } else if (due.status().code() != StatusCode::kNotFound) {
      return due.status();
    }
  }
  Apply(segment, context.profile(), decision, known, now_us, reason, cause, batch);
  return Status::Ok();
}

Result<size_t> SegmentEngine::Impl::StepModelRuns() {
  ASSIGN_OR_RETURN(int64_t updated, PredictionStore::LastUpdated(store_));
  if (updated <= models_seen_) return 0;
  rocksdb::WriteBatch batch;
  std::vector<CompiledSegment*> restarted;
  for (auto& [id, segment] : segments_) {
    if (segment->rule.dependencies().model_features.empty()) continue;
    SegmentDefinition def = segment->def;
    def.building = true;
    def.build_after.clear();
    batch.Put(store_.cf(Cf::kSegments), DefinitionKey(id), def.Serialize());
    restarted.push_back(segment.get());
  }
  batch.Put(store_.cf(Cf::kMeta), kModelsSeenKey, EncodeMicros(updated));
  RETURN_IF_ERROR(store_.Write(batch, false));
  for (CompiledSegment* segment : restarted) {
    segment->def.building = true;
    segment->def.build_after.clear();
  }
  models_seen_ = updated;
  return 1;
}

Result<size_t> SegmentEngine::Impl::StepRechecks(int64_t now_us, size_t budget) {
  struct Due {
    int64_t due_us;
    std::string id;
    std::string customer;
  };
  std::vector<Due> due;
  auto it = store_.NewIterator(Cf::kSegments);
  for (it->Seek(kTimerPrefix);
       it->Valid() && it->key().starts_with(kTimerPrefix) && due.size() < budget; it->Next()) {
    int64_t at = 0;
    std::string_view id;
    std::string_view customer;
    if (!ParseTimerKey(it->key().ToStringView(), at, id, customer)) {
      return Status::Corruption("a segment timer key is malformed");
    }
    if (at > now_us) break;
    due.push_back(Due{at, std::string(id), std::string(customer)});
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading segment timers"));
  if (due.empty()) return 0;
  MembershipBatch batch(*this);
  for (const Due& timer : due) {
    auto found = segments_.find(timer.id);
    Result<std::unique_ptr<CustomerContext>> context =
        found == segments_.end() || erased_.contains(timer.customer)
            ? Result<std::unique_ptr<CustomerContext>>(Status::NotFound("gone"))
            : CustomerContext::Load(store_, vault_, timer.customer);
    if (!context.ok()) {
      if (context.status().code() != StatusCode::kNotFound) return context.status();
      batch.SetTimer(timer.id, timer.customer, timer.due_us, std::nullopt);
      continue;
    }
    Known known;
    known.timer_known = true;
    known.timer = timer.due_us;
    RETURN_IF_ERROR(Reevaluate(*found->second, **context, now_us, "recheck",
                               "t" + std::to_string(timer.due_us), batch, known));
  }
  RETURN_IF_ERROR(batch.Commit());
  rocksdb::WriteBatch points;
  for (auto& [id, segment] : segments_) MaybeRecordSize(*segment, now_us, false, points);
  if (points.Count() > 0) RETURN_IF_ERROR(store_.Write(points, false));
  return due.size();
}

Result<size_t> SegmentEngine::Impl::StepRecords(int64_t now_us, size_t budget) {
  const uint32_t partitions = log_.partitions();
  std::vector<uint64_t> limits(partitions);
  std::vector<uint64_t> upstream;
  if (options_.upstream_cursors) upstream = options_.upstream_cursors();
  for (uint32_t p = 0; p < partitions; ++p) {
    limits[p] = log_.EndOffset(p);
    if (p < upstream.size()) limits[p] = std::min(limits[p], upstream[p]);
  }
  const size_t share = std::max<size_t>(1, budget / partitions);
  std::vector<uint64_t> next = cursors_;
  std::map<std::string, CustomerWork, std::less<>> work;
  std::set<std::string> stubs;
  size_t consumed = 0;
  for (uint32_t p = 0; p < partitions; ++p) {
    if (cursors_[p] >= limits[p]) continue;
    const size_t count = static_cast<size_t>(std::min<uint64_t>(limits[p] - cursors_[p], share));
    ASSIGN_OR_RETURN(std::vector<LogRecord> records, log_.Read(p, cursors_[p], count));
    // A short read reached the limit: the cursor passes the gap up to it (erased records, or
    // offsets a mirror consumed without storing).
    if (records.size() < count) next[p] = limits[p];
    for (const LogRecord& record : records) {
      next[p] = std::max(next[p], record.offset + 1);
      ++consumed;
      if (segments_.empty()) continue;  // nothing to evaluate: only the cursor moves
      boost::system::error_code ec;
      json::value root = json::parse(record.payload, ec);
      if (ec) continue;  // the profile consumer logs and counts undecodable records
      Result<profile::EventView> view = profile::ReadEventView(root, &vault_);
      if (!view.ok()) continue;
      if (view->link) {
        // A customer handed off to another partition's (cluster mode): its memberships go
        // without exit events, as a merged customer's do.
        ASSIGN_OR_RETURN(std::optional<std::string> stub,
                         profile::LinkedStub(store_, vault_.pseudonym_key(), *view));
        if (stub) stubs.insert(std::move(*stub));
        continue;
      }
      if (IsSystemSource(view->source)) continue;
      ASSIGN_OR_RETURN(bool repeated, profile::IsRepeatedCopy(store_, p, record.offset, *view));
      if (repeated) continue;
      const std::string primary = profile::PrimaryIdentityKey(*view);
      Result<std::string> customer =
          store_.Get(Cf::kIdentities, profile::IdentityIndexKey(vault_.pseudonym_key(), primary));
      if (!customer.ok()) {
        if (customer.status().code() == StatusCode::kNotFound) continue;  // erased since
        return customer.status();
      }
      CustomerWork& entry = work[*customer];
      ++entry.events;
      if (view->type == EventType::kTrack) {
        entry.track_names.emplace(view->event_name);
      } else {
        entry.other_events = true;
      }
      AddTraitNames(view->traits, entry.traits);
      AddTraitNames(view->context_traits, entry.traits);
      if (view->forwarded || view->type == EventType::kAlias ||
          view->type == EventType::kIdentify ||
          (!view->user_id.empty() && !view->anonymous_id.empty()) || !view->email.empty()) {
        entry.everything = true;
      }
      // The customer's first record in the step names the cause: a step repeated after a failed
      // write starts at the same cursors, so its causes (and event ids) are the same.
      if (entry.cause.empty()) {
        entry.cause = "p" + std::to_string(p) + ":" + std::to_string(record.offset);
      }
      if (const json::value* received = root.get_object().if_contains("receivedAt");
          received != nullptr && received->is_string() && entry.earliest_received_us == 0) {
        Result<int64_t> at = ParseTimestamp(received->get_string());
        if (at.ok()) entry.earliest_received_us = *at;
      }
    }
  }
  if (consumed == 0 && next == cursors_) return 0;

  MembershipBatch batch(*this);
  for (const std::string& stub : stubs) {
    size_t dropped = 0;
    RETURN_IF_ERROR(DropCustomer(stub, batch, &dropped));
    if (dropped > 0) batch.batch().Delete(store_.cf(Cf::kSegments), SeenKey(stub));
  }
  std::vector<int64_t> received;
  for (auto& [raw_id, entry] : work) {
    // Follow redirects of merged customers to the survivor.
    std::string id = raw_id;
    Result<std::unique_ptr<CustomerContext>> context = Status::NotFound("");
    for (int hop = 0; hop < kMaxRedirectHops; ++hop) {
      if (erased_.contains(id)) break;
      Result<std::string> stored = store_.Get(Cf::kProfiles, id);
      if (!stored.ok()) {
        if (stored.status().code() != StatusCode::kNotFound) return stored.status();
        break;
      }
      ASSIGN_OR_RETURN(profile::ProfileState state, profile::ProfileState::Parse(id, *stored));
      if (state.IsStub()) break;  // its events go on to another partition's customer
      if (!state.merged_into.empty()) {
        id = state.merged_into;
        continue;
      }
      ASSIGN_OR_RETURN(Predictions predictions, PredictionStore(store_).Get(id));
      context = std::make_unique<CustomerContext>(store_, vault_, std::move(state),
                                                  std::move(predictions));
      break;
    }
    if (!context.ok()) continue;
    const CustomerContext& ctx = **context;
    // A customer no segment has evaluated yet (new, or merged into) is evaluated by all of them.
    Result<std::string> seen = store_.Get(Cf::kSegments, SeenKey(ctx.profile().id));
    if (!seen.ok()) {
      if (seen.status().code() != StatusCode::kNotFound) return seen.status();
      entry.everything = true;
      batch.batch().Put(store_.cf(Cf::kSegments), SeenKey(ctx.profile().id), "");
    }
    // Memberships of customers merged into this one go (merges come only with linking events).
    if (entry.everything) {
      for (const std::string& merged : ctx.profile().merged_from) {
        size_t dropped = 0;
        RETURN_IF_ERROR(DropCustomer(merged, batch, &dropped));
        if (dropped > 0) batch.batch().Delete(store_.cf(Cf::kSegments), SeenKey(merged));
      }
    }
    for (auto& [segment_id, segment] : segments_) {
      const analytics::rules::RuleDependencies& deps = segment->rule.dependencies();
      bool affected = entry.everything || (entry.other_events && deps.any_event) ||
                      (!entry.traits.empty() && deps.AffectedByEvent("", entry.traits));
      for (auto name = entry.track_names.begin(); !affected && name != entry.track_names.end();
           ++name) {
        affected = deps.AffectedByEvent(*name, entry.traits);
      }
      if (!affected) continue;
      RETURN_IF_ERROR(Reevaluate(*segment, ctx, now_us, "event", entry.cause, batch));
    }
    if (entry.earliest_received_us > 0) received.push_back(entry.earliest_received_us);
  }
  for (uint32_t p = 0; p < partitions; ++p) {
    if (next[p] == cursors_[p]) continue;
    std::string value;
    PutFixed64BE(value, next[p]);
    batch.batch().Put(store_.cf(Cf::kMeta), CursorKey(p), value);
  }
  RETURN_IF_ERROR(batch.Commit());
  cursors_ = next;
  for (uint32_t p = 0; p < partitions; ++p) published_cursors_[p] = cursors_[p];
  if (delay_seconds_ != nullptr) {
    const int64_t written = clock_.NowMicros();
    for (int64_t at : received) {
      delay_seconds_->Observe(static_cast<double>(std::max<int64_t>(0, written - at)) / 1e6);
    }
  }
  rocksdb::WriteBatch points;
  for (auto& [id, segment] : segments_) MaybeRecordSize(*segment, now_us, false, points);
  if (points.Count() > 0) RETURN_IF_ERROR(store_.Write(points, false));
  return consumed;
}

}  // namespace mercato::segment

// JourneyEngine (engine.h): a round of work — timers, log records, step execution.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <map>
#include <random>

#include "core/big_endian.h"
#include "core/hash.h"
#include "core/logging.h"
#include "core/time_format.h"
#include "event/event.h"
#include "journey/engine_impl.h"
#include "journey/engine_keys.h"
#include "journey/event_match.h"
#include "privacy/consent.h"
#include "profile/event_view.h"
#include "profile/forwarded.h"
#include "profile/keys.h"
#include "profile/profile_state.h"

namespace mercato::journey {
namespace {

namespace json = boost::json;
constexpr int kMaxRedirectHops = 16;
constexpr std::string_view kJourneyWide;       // the step of journey-wide counters
constexpr uint64_t kMinEventsForBestTime = 5;  // "waitUntil": "best" with less history: now
constexpr int64_t kDefaultGoalWindowUs = 7 * kMicrosPerDay;

void Count(Work& work, std::string_view journey, std::string_view step, std::string_view counter,
           int64_t delta = 1) {
  work.counters[EngineCounterKey(journey, step, counter)] += delta;
}

int64_t NextUtcTime(int64_t now_us, int minute) {
  const int64_t day_start = now_us - (((now_us % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay);
  int64_t at = day_start + static_cast<int64_t>(minute) * 60 * kMicrosPerSecond;
  while (at <= now_us) at += kMicrosPerDay;
  return at;
}

bool TriggerMatches(const Trigger& trigger, const CustomerEvent& event) {
  switch (trigger.kind) {
    case Trigger::Kind::kEvent:
      return !IsSystemSource(event.source) &&
             MatchesEvent(trigger.event, event.name, event.properties);
    case Trigger::Kind::kSegmentEntered:
    case Trigger::Kind::kSegmentExited: {
      const std::string_view name = trigger.kind == Trigger::Kind::kSegmentEntered
                                        ? kSegmentEnteredEvent
                                        : kSegmentExitedEvent;
      return IsSystemSource(event.source) && event.name == name &&
             profile::StringField(event.properties, "segment_id") == trigger.segment;
    }
    case Trigger::Kind::kSchedule:
      return false;
  }
  return false;
}

// The index a step continues with when it names `next` (empty: the following step).
// True when the event's consent preferences deny advertising.
bool AdvertisingWithdrawn(const json::object& root) {
  const json::value* context = root.if_contains("context");
  for (const auto& [purpose, granted] :
       ReadConsentPreferences(context != nullptr ? context->if_object() : nullptr)) {
    if (purpose == Purpose::kAdvertising && !granted) return true;
  }
  return false;
}

int Following(const CompiledJourney& journey, std::string_view next, int index) {
  return next.empty() ? index + 1 : journey.def.StepIndex(next);
}

}  // namespace

Result<size_t> JourneyEngine::Impl::Step(size_t max_items) {
  std::lock_guard lock(mu_);
  const auto started = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(ReloadIfChanged());
  const int64_t now = clock_.NowMicros();
  ASSIGN_OR_RETURN(size_t fired, StepTimers(now, max_items));
  ASSIGN_OR_RETURN(size_t scheduled, StepSchedules(now, max_items));
  ASSIGN_OR_RETURN(size_t records, StepRecords(now, max_items));
  const size_t done = fired + scheduled + records;
  if (done > 0 && step_seconds_ != nullptr) {
    step_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return done;
}

Result<std::optional<JourneyState>> JourneyEngine::Impl::ReadState(
    const Work& work, std::string_view journey, std::string_view customer) const {
  const std::string key = StateKey(journey, customer);
  if (auto staged = work.states.find(key); staged != work.states.end()) {
    return std::optional<JourneyState>(staged->second);
  }
  Result<std::string> stored = store_.Get(Cf::kJourneyState, key);
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) return std::optional<JourneyState>();
    return stored.status();
  }
  ASSIGN_OR_RETURN(JourneyState state, JourneyState::Parse(*stored));
  return std::optional<JourneyState>(std::move(state));
}

void JourneyEngine::Impl::PutState(Work& work, std::string_view journey, std::string_view customer,
                                   const JourneyState& state) {
  std::string key = StateKey(journey, customer);
  work.batch.Put(store_.cf(Cf::kJourneyState), key, state.Serialize());
  work.states.insert_or_assign(std::move(key), state);
}

Result<std::vector<std::string>> JourneyEngine::Impl::JourneysOf(const Work& work,
                                                                 std::string_view customer) const {
  std::set<std::string> ids;
  const std::string prefix = CustomerJourneysPrefix(customer);
  auto it = store_.NewIterator(Cf::kJourneyState);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ids.emplace(it->key().ToStringView().substr(prefix.size()));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading a customer's journeys"));
  if (auto staged = work.new_journeys.find(customer); staged != work.new_journeys.end()) {
    ids.insert(staged->second.begin(), staged->second.end());
  }
  return std::vector<std::string>(ids.begin(), ids.end());
}

Result<std::optional<std::string>> JourneyEngine::Impl::ResolveCustomer(
    const profile::EventView& event) const {
  const std::string primary = profile::PrimaryIdentityKey(event);
  Result<std::string> customer =
      store_.Get(Cf::kIdentities, profile::IdentityIndexKey(vault_.pseudonym_key(), primary));
  if (!customer.ok()) {
    if (customer.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
    return customer.status();
  }
  std::string id = std::move(*customer);
  for (int hop = 0; hop < kMaxRedirectHops; ++hop) {
    Result<std::string> stored = store_.Get(Cf::kProfiles, id);
    if (!stored.ok()) {
      if (stored.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
      return stored.status();
    }
    ASSIGN_OR_RETURN(profile::ProfileState state, profile::ProfileState::Parse(id, *stored));
    // A stub's events go on to another partition's customer, whose copies act there.
    if (state.IsStub()) return std::optional<std::string>();
    if (state.merged_into.empty()) return std::optional<std::string>(std::move(id));
    id = state.merged_into;
  }
  return std::optional<std::string>();
}

Result<size_t> JourneyEngine::Impl::StepTimers(int64_t now_us, size_t budget) {
  struct Due {
    int64_t due_us;
    std::string journey;
    std::string customer;
  };
  std::vector<Due> due;
  // A clock that went back must not hide timers set since.
  timer_floor_ = std::min(timer_floor_, now_us);
  const std::string start = timer_floor_ == INT64_MIN ? std::string(kEngineTimerPrefix)
                                                      : EngineTimerKey(timer_floor_, "", "");
  auto it = store_.NewIterator(Cf::kJourneyState);
  for (it->Seek(start);
       it->Valid() && it->key().starts_with(kEngineTimerPrefix) && due.size() < budget;
       it->Next()) {
    int64_t at = 0;
    std::string_view journey;
    std::string_view customer;
    if (!ParseEngineTimerKey(it->key().ToStringView(), at, journey, customer)) {
      return Status::Corruption("a journey timer key is malformed");
    }
    if (at > now_us) break;
    due.push_back(Due{at, std::string(journey), std::string(customer)});
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading journey timers"));
  // All timers due by now are in `due` unless the budget cut the scan short.
  const int64_t next_floor = due.size() < budget ? now_us : due.back().due_us;
  if (due.empty()) {
    timer_floor_ = next_floor;
    return 0;
  }
  Work work;
  for (const Due& timer : due) {
    work.batch.Delete(store_.cf(Cf::kJourneyState),
                      EngineTimerKey(timer.due_us, timer.journey, timer.customer));
    ASSIGN_OR_RETURN(std::optional<JourneyState> state,
                     ReadState(work, timer.journey, timer.customer));
    // A timer the state no longer waits for (it moved on, or was erased) is dropped.
    if (!state || !state->active || state->wait == JourneyState::Wait::kNone ||
        state->due_us != timer.due_us) {
      continue;
    }
    if (!IsActive(timer.journey)) {
      state->due_us = now_us + options_.paused_recheck_us;
      work.batch.Put(store_.cf(Cf::kJourneyState),
                     EngineTimerKey(state->due_us, timer.journey, timer.customer), "");
      PutState(work, timer.journey, timer.customer, *state);
      continue;
    }
    Result<std::shared_ptr<const CompiledJourney>> journey =
        Definition(timer.journey, state->version);
    if (!journey.ok()) {
      if (journey.status().code() != StatusCode::kNotFound) return journey.status();
      state->active = false;  // its definition is gone: the journey was deleted
      state->wait = JourneyState::Wait::kNone;
      state->exit_reason = "gone";
      state->exited_at_us = now_us;
      PutState(work, timer.journey, timer.customer, *state);
      continue;
    }
    const CompiledJourney& compiled = **journey;
    const journey::Step& step = compiled.def.steps.at(static_cast<size_t>(state->step));
    const bool timed_out = state->wait == JourneyState::Wait::kEvent;
    state->wait = JourneyState::Wait::kNone;
    state->due_us = 0;
    if (timed_out) {
      Count(work, timer.journey, step.id, "timedOut");
      if (step.on_timeout.empty()) {
        Exit(compiled, *state, "timeout", now_us, work);
        PutState(work, timer.journey, timer.customer, *state);
        continue;
      }
      RETURN_IF_ERROR(Advance(compiled, timer.customer, *state,
                              compiled.def.StepIndex(step.on_timeout), now_us, work));
    } else {
      RETURN_IF_ERROR(Advance(compiled, timer.customer, *state,
                              Following(compiled, step.next, state->step), now_us, work));
    }
  }
  RETURN_IF_ERROR(Commit(work));
  timer_floor_ = next_floor;
  return due.size();
}

Result<size_t> JourneyEngine::Impl::StepSchedules(int64_t now_us, size_t budget) {
  if (!options_.segment_members) return 0;
  size_t done = 0;
  for (const std::shared_ptr<const CompiledJourney>& journey : active_) {
    const Trigger& trigger = journey->def.trigger;
    if (trigger.kind != Trigger::Kind::kSchedule || trigger.every_us <= 0 || done >= budget) {
      continue;
    }
    const std::string key = ScheduleKey(journey->def.id);
    int64_t due = 0;
    std::string cursor;
    Result<std::string> stored = store_.Get(Cf::kJourneyState, key);
    if (stored.ok()) {
      boost::system::error_code ec;
      const json::value record = json::parse(*stored, ec);
      const json::object* fields = ec ? nullptr : record.if_object();
      const json::value* at = fields != nullptr ? fields->if_contains("due") : nullptr;
      const json::value* from = fields != nullptr ? fields->if_contains("cursor") : nullptr;
      if (at == nullptr || !at->is_int64() || from == nullptr || !from->is_string()) {
        return Status::Corruption("the schedule of journey '" + journey->def.id + "' is malformed");
      }
      due = at->get_int64();
      cursor = from->get_string();
    } else if (stored.status().code() != StatusCode::kNotFound) {
      return stored.status();
    } else {
      // First activation: the first run is at `at` (UTC), or now without one.
      due = trigger.at_minute >= 0 ? NextUtcTime(now_us - 1, trigger.at_minute) : now_us;
    }
    if (due > now_us) {
      if (!stored.ok()) {
        Work work;
        work.batch.Put(store_.cf(Cf::kJourneyState), key,
                       json::serialize(json::object{{"due", due}, {"cursor", ""}}));
        RETURN_IF_ERROR(Commit(work));
      }
      continue;
    }
    Work work;
    const size_t limit = std::max<size_t>(1, std::min<size_t>(budget - done, 500));
    std::vector<std::string> members;
    if (!trigger.segment.empty()) {
      Result<std::vector<std::string>> page =
          options_.segment_members(trigger.segment, cursor, limit);
      if (page.ok()) {
        members = std::move(*page);
      } else if (page.status().code() != StatusCode::kNotFound) {
        return page.status();  // an unknown segment is an empty audience
      }
    }
    for (const std::string& customer : members) {
      RETURN_IF_ERROR(TryEnter(*journey, customer, now_us, work));
    }
    done += members.size() + 1;
    if (members.size() < limit) {
      // The run is complete; missed runs (the node was down, the journey paused) are skipped.
      Count(work, journey->def.id, kJourneyWide, "scheduleRuns");
      do {
        due += trigger.every_us;
      } while (due <= now_us);
      cursor.clear();
    } else {
      cursor = members.back();
    }
    work.batch.Put(store_.cf(Cf::kJourneyState), key,
                   json::serialize(json::object{{"due", due}, {"cursor", cursor}}));
    RETURN_IF_ERROR(Commit(work));
  }
  return done;
}

Result<size_t> JourneyEngine::Impl::StepRecords(int64_t now_us, size_t budget) {
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
  std::vector<int64_t> received;
  Work work;
  size_t consumed = 0;
  for (uint32_t p = 0; p < partitions; ++p) {
    if (cursors_[p] >= limits[p]) continue;
    const size_t count = static_cast<size_t>(std::min<uint64_t>(limits[p] - cursors_[p], share));
    ASSIGN_OR_RETURN(std::vector<LogRecord> records, log_.Read(p, cursors_[p], count));
    // A short read reached the limit: what lies between the last record and it is a gap
    // (erased records, or offsets a mirror consumed without storing), which the cursor passes.
    if (records.size() < count) next[p] = limits[p];
    for (const LogRecord& record : records) {
      next[p] = std::max(next[p], record.offset + 1);
      ++consumed;
      // Consent travels in context.consent.categoryPreferences of any event.
      const bool consent = record.payload.find("categoryPreferences") != std::string::npos;
      if (records_.empty() && !consent) continue;  // no journey: only the cursor moves
      boost::system::error_code ec;
      json::value root = json::parse(record.payload, ec);
      if (ec || !root.is_object()) continue;  // the profile consumer counts undecodable records
      Result<profile::EventView> view = profile::ReadEventView(root, &vault_);
      if (!view.ok()) continue;
      // Copies of history moved by a merge were acted on where they were first; repeated copies
      // were not folded in (cluster mode, docs/adr/0018).
      if (view->forwarded && view->forwarded->history) continue;
      ASSIGN_OR_RETURN(bool repeated, profile::IsRepeatedCopy(store_, p, record.offset, *view));
      if (repeated) continue;
      if (consent && AdvertisingWithdrawn(root.get_object())) {
        ASSIGN_OR_RETURN(std::optional<std::string> customer, ResolveCustomer(*view));
        if (customer) {
          const std::string cause = "consent-" + std::to_string(p) + "-" +
                                    std::to_string(record.offset);  // the same on a replay
          RETURN_IF_ERROR(RemoveFromAudiences(*customer, cause, now_us, work));
        }
      }
      if (records_.empty() || view->type != EventType::kTrack) continue;
      if (view->source == kJourneySystemSource && view->event_name == kMessageFinishedEvent) {
        RETURN_IF_ERROR(RecordFinishedElsewhere(view->properties, now_us, work));
        continue;
      }
      ASSIGN_OR_RETURN(std::optional<std::string> customer, ResolveCustomer(*view));
      if (!customer) continue;  // erased since, or never a customer (system events only)
      CustomerEvent event{std::move(*customer), std::string(view->event_name), view->source,
                          view->properties};
      const size_t before = work.enqueued;
      RETURN_IF_ERROR(HandleEvent(event, now_us, work));
      if (work.enqueued > before) {
        if (const json::value* at = root.get_object().if_contains("receivedAt");
            at != nullptr && at->is_string()) {
          if (Result<int64_t> parsed = ParseTimestamp(at->get_string()); parsed.ok()) {
            received.push_back(*parsed);
          }
        }
      }
    }
  }
  if (consumed == 0 && next == cursors_) return 0;
  for (uint32_t p = 0; p < partitions; ++p) {
    if (next[p] == cursors_[p]) continue;
    std::string value;
    PutFixed64BE(value, next[p]);
    work.batch.Put(store_.cf(Cf::kMeta), EngineCursorKey(p), value);
  }
  RETURN_IF_ERROR(Commit(work));
  cursors_ = next;
  for (uint32_t p = 0; p < partitions; ++p) published_cursors_[p] = cursors_[p];
  if (enqueue_delay_ != nullptr && !received.empty()) {
    const int64_t written = clock_.NowMicros();
    for (int64_t at : received) {
      enqueue_delay_->Observe(static_cast<double>(std::max<int64_t>(0, written - at)) / 1e6);
    }
  }
  return consumed;
}

Status JourneyEngine::Impl::RecordFinishedElsewhere(const json::object* properties, int64_t now_us,
                                                    Work& work) {
  const json::value* key = properties != nullptr ? properties->if_contains("key") : nullptr;
  if (key == nullptr || !key->is_string() || key->get_string().empty()) return Status::Ok();
  const std::string delivered = DeliveredKey(key->get_string());
  const json::value* outcome_field = properties->if_contains("outcome");
  std::string outcome = outcome_field != nullptr && outcome_field->is_string()
                            ? std::string(outcome_field->get_string())
                            : std::string("delivered");
  Result<std::string> existing = store_.Get(Cf::kOutbox, delivered);
  if (existing.ok()) {
    // Finished here (this node's own announcement), or known as committed and now confirmed.
    if (outcome == "committed" || existing->find("\"unconfirmed\"") == std::string::npos) {
      return Status::Ok();
    }
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  // "committed" alone: the owner died between its SMTP commit point and the server's reply, so
  // the delivery worker counts the message as delivered but in doubt, as after a local crash.
  if (outcome == "committed") outcome = "unconfirmed";
  json::object record{{"outcome", outcome},
                      {"detail", "finished by the previous owner of the customer's partition"},
                      {"at", now_us},
                      {"attempts", 0}};
  work.batch.Put(store_.cf(Cf::kOutbox), delivered, json::serialize(record));
  return Status::Ok();
}

Status JourneyEngine::Impl::Commit(Work& work) {
  for (const auto& [key, delta] : work.counters) {
    uint64_t value = 0;
    Result<std::string> stored = store_.Get(Cf::kJourneyState, key);
    if (stored.ok() && stored->size() == 8) {
      value = GetFixed64BE(*stored);
    } else if (!stored.ok() && stored.status().code() != StatusCode::kNotFound) {
      return stored.status();
    }
    std::string encoded;
    PutFixed64BE(encoded, value + static_cast<uint64_t>(delta));
    work.batch.Put(store_.cf(Cf::kJourneyState), key, encoded);
  }
  if (work.batch.Count() == 0) return Status::Ok();
  // Not synced: a crash of the process loses nothing (the WAL is in the kernel); a power loss
  // repeats the round from the previous cursors, which makes the same keys again.
  RETURN_IF_ERROR(store_.Write(work.batch, /*sync=*/false));
  if (transitions_total_ != nullptr) {
    transitions_total_->Inc(work.transitions);
    entries_total_->Inc(work.entries);
    enqueued_total_->Inc(work.enqueued);
  }
  if (work.enqueued > 0 && options_.on_enqueued) options_.on_enqueued();
  return Status::Ok();
}

Status JourneyEngine::Impl::HandleEvent(const CustomerEvent& event, int64_t now_us, Work& work) {
  ASSIGN_OR_RETURN(std::vector<std::string> mine, JourneysOf(work, event.customer));
  for (const std::string& id : mine) {
    ASSIGN_OR_RETURN(std::optional<JourneyState> state, ReadState(work, id, event.customer));
    if (!state) continue;
    Result<std::shared_ptr<const CompiledJourney>> found = Definition(id, state->version);
    if (!found.ok()) {
      if (found.status().code() == StatusCode::kNotFound) continue;  // deleted journey
      return found.status();
    }
    const CompiledJourney& journey = **found;
    const bool system = IsSystemSource(event.source);
    // A click in one of this journey's e-mails (pipeline/tracking.h): counted once per entry,
    // for the message's step and the customer's variant (what "choose": "clicks" learns from).
    if (event.source == kEmailFeedbackSource && event.name == kEmailClickedEvent &&
        !state->clicked && event.properties != nullptr) {
      const json::value* clicked_journey = event.properties->if_contains("journey");
      const json::value* clicked_step = event.properties->if_contains("step");
      if (clicked_journey != nullptr && clicked_journey->is_string() &&
          clicked_journey->get_string() == id && clicked_step != nullptr &&
          clicked_step->is_string()) {
        state->clicked = true;
        Count(work, id, clicked_step->get_string(),
              state->variant.empty() ? "clicked" : "clicked/" + state->variant);
        PutState(work, id, event.customer, *state);
      }
    }
    // A bounce or complaint about one of this journey's e-mails (pipeline/email_feedback.h):
    // counted for the message's step (a repeated report is one event, so one count).
    if (event.source == kEmailFeedbackSource &&
        (event.name == kEmailBouncedEvent || event.name == kEmailComplainedEvent) &&
        event.properties != nullptr) {
      const json::value* about_journey = event.properties->if_contains("journey");
      const json::value* about_step = event.properties->if_contains("step");
      if (about_journey != nullptr && about_journey->is_string() &&
          about_journey->get_string() == id && about_step != nullptr && about_step->is_string()) {
        const json::value* permanent = event.properties->if_contains("permanent");
        const bool soft = permanent != nullptr && permanent->is_bool() && !permanent->get_bool();
        Count(work, id, about_step->get_string(),
              event.name == kEmailComplainedEvent ? "complained"
              : soft                              ? "soft_bounced"
                                                  : "bounced");
      }
    }
    // Goals first: a conversion ends the journey even when the step waits for the same event.
    if (journey.def.has_goal && !system && !state->converted &&
        MatchesEvent(journey.def.goal, event.name, event.properties)) {
      const int64_t window =
          journey.def.goal_within_us > 0 ? journey.def.goal_within_us : kDefaultGoalWindowUs;
      const bool attributed =
          state->last_send_at_us > 0 && now_us - state->last_send_at_us <= window;
      if (state->active || attributed) {
        state->converted = true;
        Count(work, id, kJourneyWide, "converted");
        if (attributed) {
          Count(work, id, state->last_send,
                state->variant.empty() ? "converted" : "converted/" + state->variant);
        }
        if (state->active) {
          if (state->wait != JourneyState::Wait::kNone) {
            work.batch.Delete(store_.cf(Cf::kJourneyState),
                              EngineTimerKey(state->due_us, id, event.customer));
          }
          Exit(journey, *state, "goal", now_us, work);
        }
        PutState(work, id, event.customer, *state);
        continue;
      }
    }
    if (!state->active || state->wait != JourneyState::Wait::kEvent || system || !IsActive(id)) {
      continue;
    }
    const journey::Step& step = journey.def.steps.at(static_cast<size_t>(state->step));
    if (!MatchesEvent(step.wait_for, event.name, event.properties)) continue;
    work.batch.Delete(store_.cf(Cf::kJourneyState),
                      EngineTimerKey(state->due_us, id, event.customer));
    state->wait = JourneyState::Wait::kNone;
    state->due_us = 0;
    RETURN_IF_ERROR(Advance(journey, event.customer, *state,
                            Following(journey, step.next, state->step), now_us, work));
  }
  for (const auto& journey : active_) {
    if (!TriggerMatches(journey->def.trigger, event)) continue;
    RETURN_IF_ERROR(TryEnter(*journey, event.customer, now_us, work));
  }
  return Status::Ok();
}

Status JourneyEngine::Impl::TryEnter(const CompiledJourney& journey, std::string_view customer,
                                     int64_t now_us, Work& work) {
  const std::string& id = journey.def.id;
  ASSIGN_OR_RETURN(std::optional<JourneyState> previous, ReadState(work, id, customer));
  if (previous) {
    if (previous->active) return Status::Ok();
    switch (journey.def.reentry) {
      case Reentry::kNever:
        return Status::Ok();
      case Reentry::kAfterExit:
        break;
      case Reentry::kAfterCooldown:
        if (now_us < previous->entered_at_us + journey.def.reentry_after_us) return Status::Ok();
        break;
    }
  } else {
    work.batch.Put(store_.cf(Cf::kJourneyState), CustomerJourneyKey(customer, id), "");
    work.new_journeys[std::string(customer)].insert(id);
  }
  JourneyState state;
  state.version = journey.version;
  state.entry = previous ? previous->entry + 1 : 1;
  state.active = true;
  state.entered_at_us = now_us;
  ++work.entries;
  Count(work, id, kJourneyWide, "entered");
  return Advance(journey, customer, state, 0, now_us, work);
}

Status JourneyEngine::Impl::Advance(const CompiledJourney& journey, std::string_view customer,
                                    JourneyState& state, int index, int64_t now_us, Work& work) {
  const std::string& id = journey.def.id;
  const auto& steps = journey.def.steps;
  // Definitions have no loop without a wait, so a walk visits each step at most once.
  for (size_t hops = 0; hops <= steps.size(); ++hops) {
    if (index < 0 || static_cast<size_t>(index) >= steps.size()) {
      Exit(journey, state, "end", now_us, work);
      PutState(work, id, customer, state);
      return Status::Ok();
    }
    const journey::Step& step = steps[static_cast<size_t>(index)];
    state.step = index;
    ++work.transitions;
    Count(work, id, step.id, "reached");
    switch (step.kind) {
      case journey::Step::Kind::kWait:
      case journey::Step::Kind::kWaitUntil:
      case journey::Step::Kind::kWaitForEvent: {
        int64_t due =
            now_us + (step.kind == journey::Step::Kind::kWait ? step.wait_us : step.timeout_us);
        if (step.kind == journey::Step::Kind::kWaitUntil && step.at_minute == kBestTime) {
          ASSIGN_OR_RETURN(due, BestSendTime(customer, now_us));
        } else if (step.kind == journey::Step::Kind::kWaitUntil) {
          if (options_.next_local_time) {
            ASSIGN_OR_RETURN(due, options_.next_local_time(customer, now_us, step.at_minute));
          } else {
            due = NextUtcTime(now_us, step.at_minute);
          }
        }
        state.wait = step.kind == journey::Step::Kind::kWaitForEvent ? JourneyState::Wait::kEvent
                                                                     : JourneyState::Wait::kTimer;
        state.due_us = std::max(due, now_us + 1);
        work.batch.Put(store_.cf(Cf::kJourneyState), EngineTimerKey(state.due_us, id, customer),
                       "");
        PutState(work, id, customer, state);
        return Status::Ok();
      }
      case journey::Step::Kind::kBranch: {
        bool holds = false;
        const auto& rule = journey.rules.at(static_cast<size_t>(index));
        if (rule && options_.evaluate_rule) {
          Result<bool> result = options_.evaluate_rule(*rule, customer, now_us);
          if (!result.ok()) {
            if (result.status().code() != StatusCode::kNotFound) return result.status();
            Exit(journey, state, "gone", now_us, work);
            PutState(work, id, customer, state);
            return Status::Ok();
          }
          holds = *result;
        }
        index = Following(journey, holds ? step.then_step : step.else_step, index);
        continue;
      }
      case journey::Step::Kind::kSplit: {
        uint64_t total = 0;
        for (const Variant& variant : step.variants) total += variant.weight;
        const std::string seed =
            id + "/" + std::string(customer) + "/" + std::to_string(state.entry) + "/" + step.id;
        const uint64_t hash = Hash64(seed);
        if (hash % 100 < step.control_percent) {
          state.variant = "control";
          Count(work, id, step.id, "variant/control");
          Exit(journey, state, "control", now_us, work);
          PutState(work, id, customer, state);
          return Status::Ok();
        }
        const Variant* chosen = &step.variants.front();
        if (step.by_conversions || step.by_clicks) {
          ASSIGN_OR_RETURN(chosen, ChooseByConversions(journey, step, hash));
        } else {
          uint64_t pick = (hash / 100) % std::max<uint64_t>(total, 1);
          for (const Variant& variant : step.variants) {
            if (pick < variant.weight) {
              chosen = &variant;
              break;
            }
            pick -= variant.weight;
          }
        }
        state.variant = chosen->name;
        Count(work, id, step.id, "variant/" + chosen->name);
        index = journey.def.StepIndex(chosen->next);
        continue;
      }
      case journey::Step::Kind::kSend:
      case journey::Step::Kind::kSetTrait:
        Enqueue(journey, customer, state, step, now_us, work);
        if (step.kind == journey::Step::Kind::kSend) {
          state.last_send = step.id;
          state.last_send_at_us = now_us;
        }
        index = Following(journey, step.next, index);
        continue;
      case journey::Step::Kind::kExit:
        Exit(journey, state, "exit", now_us, work);
        PutState(work, id, customer, state);
        return Status::Ok();
    }
  }
  LOG(ERROR) << "journey '" << id << "' version " << journey.version
             << " loops without waiting; customer " << customer << " leaves it";
  Exit(journey, state, "loop", now_us, work);
  PutState(work, id, customer, state);
  return Status::Ok();
}

Result<int64_t> JourneyEngine::Impl::BestSendTime(std::string_view customer, int64_t now_us) const {
  Result<std::string> stored = store_.Get(Cf::kProfiles, customer);
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) return now_us;  // gone: no preference
    return stored.status();
  }
  ASSIGN_OR_RETURN(profile::ProfileState profile, profile::ProfileState::Parse(customer, *stored));
  uint64_t total = 0;
  for (uint64_t count : profile.active_hours) total += count;
  if (total < kMinEventsForBestTime) return now_us;  // too little history to prefer an hour
  // The hour of the next 24 (this one first) in which the customer has been most active; ties go
  // to the earliest, so this hour wins them and the message goes now.
  constexpr int64_t kHourUs = 3600 * kMicrosPerSecond;
  const int64_t hour_start = now_us - (((now_us % kHourUs) + kHourUs) % kHourUs);
  const int64_t this_hour = (hour_start / kHourUs) % 24;
  int best = 0;
  for (int ahead = 1; ahead < 24; ++ahead) {
    if (profile.active_hours[static_cast<size_t>((this_hour + ahead) % 24)] >
        profile.active_hours[static_cast<size_t>((this_hour + best) % 24)]) {
      best = ahead;
    }
  }
  return best == 0 ? now_us : hour_start + best * kHourUs;
}

Result<const Variant*> JourneyEngine::Impl::ChooseByConversions(const CompiledJourney& journey,
                                                                const journey::Step& step,
                                                                uint64_t seed) const {
  // Per variant: customers assigned at this split, and conversions attributed to it anywhere in
  // the journey (the counters committed so far, so a repeated round decides the same way).
  std::map<std::string, std::pair<uint64_t, uint64_t>, std::less<>> seen;  // assigned, converted
  const std::string prefix = EngineCounterPrefix(journey.def.id);
  auto it = store_.NewIterator(Cf::kJourneyState);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view rest = it->key().ToStringView().substr(prefix.size());
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos || it->value().size() != 8) continue;
    const std::string_view counter_step = rest.substr(0, slash);
    const std::string_view counter = rest.substr(slash + 1);
    const uint64_t value = GetFixed64BE(it->value().ToStringView());
    if (counter_step == step.id && counter.starts_with("variant/")) {
      seen[std::string(counter.substr(8))].first += value;
    } else if (const std::string_view won = step.by_clicks ? "clicked/" : "converted/";
               counter.starts_with(won)) {
      seen[std::string(counter.substr(won.size()))].second += value;
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading journey counters"));
  // Thompson sampling: a draw from each variant's Beta(1 + conversions, 1 + non-conversions)
  // posterior; the highest wins. Seeded per customer, entry and step.
  std::mt19937_64 rng(seed);
  const Variant* best = &step.variants.front();
  double best_draw = -1;
  for (const Variant& variant : step.variants) {
    auto found = seen.find(variant.name);
    const uint64_t assigned = found == seen.end() ? 0 : found->second.first;
    const uint64_t converted = found == seen.end() ? 0 : std::min(found->second.second, assigned);
    std::gamma_distribution<double> wins(1.0 + static_cast<double>(converted), 1.0);
    std::gamma_distribution<double> losses(1.0 + static_cast<double>(assigned - converted), 1.0);
    const double a = wins(rng);
    const double b = losses(rng);
    const double draw = a / (a + b);
    if (draw > best_draw) {
      best_draw = draw;
      best = &variant;
    }
  }
  return best;
}

void JourneyEngine::Impl::Exit(const CompiledJourney& journey, JourneyState& state,
                               std::string_view reason, int64_t now_us, Work& work) {
  state.active = false;
  state.wait = JourneyState::Wait::kNone;
  state.due_us = 0;
  state.exited_at_us = now_us;
  state.exit_reason = reason;
  Count(work, journey.def.id, kJourneyWide, "exited");
  Count(work, journey.def.id, kJourneyWide, "exited/" + std::string(reason));
}

void JourneyEngine::Impl::Enqueue(const CompiledJourney& journey, std::string_view customer,
                                  const JourneyState& state, const journey::Step& step,
                                  int64_t now_us, Work& work) {
  OutboxMessage message;
  message.key = IdempotencyKey(journey.def.id, customer, state.entry, journey.version, step.id);
  message.journey = journey.def.id;
  message.version = journey.version;
  message.step = step.id;
  message.entry = state.entry;
  message.customer = customer;
  message.variant = state.variant;
  message.created_at_us = now_us;
  if (step.kind == journey::Step::Kind::kSend) {
    message.channel = step.send.channel;
    message.tmpl = step.send.tmpl;
    message.endpoint = step.send.endpoint;
    message.audience = step.send.audience;
  } else {
    message.trait = step.trait;
    message.value = step.trait_value;
  }
  work.batch.Put(store_.cf(Cf::kOutbox), OutboxKey(now_us, message.key), message.Serialize());
  ++work.enqueued;
  Count(work, journey.def.id, step.id, "enqueued");
}

Status JourneyEngine::Impl::RemoveFromAudiences(std::string_view customer, std::string_view cause,
                                                int64_t now_us, Work& work) {
  const std::string prefix = AudienceMemberPrefix(customer);
  auto it = store_.NewIterator(Cf::kOutbox);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view audience = it->key().ToStringView().substr(prefix.size());
    const OutboxMessage message =
        AudienceRemoval(customer, audience, cause, it->value().ToStringView(), now_us);
    work.batch.Put(store_.cf(Cf::kOutbox), OutboxKey(now_us, message.key), message.Serialize());
    ++work.enqueued;
  }
  return FromRocks(it->status(), "reading audience memberships");
}

}  // namespace mercato::journey

#pragma once
// The private state of JourneyEngine (engine.h), shared by its source files.
//
// Thread safety: members marked "guarded" are used with `mu_` held.

#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "journey/engine.h"
#include "journey/outbox.h"
#include "profile/event_view.h"

namespace mercato::journey {

// A definition version ready to run: its branch rules compiled, by step index.
struct CompiledJourney {
  JourneyDefinition def;
  uint64_t version = 0;
  std::vector<std::optional<analytics::rules::Rule>> rules;
};

// What one round stages: the batch and, for reads within the round, the states it wrote.
struct Work {
  rocksdb::WriteBatch batch;
  std::map<std::string, JourneyState, std::less<>> states;                 // by StateKey
  std::map<std::string, std::set<std::string>, std::less<>> new_journeys;  // customer -> ids
  std::map<std::string, int64_t, std::less<>> counters;  // engine counter key -> delta
  size_t transitions = 0;
  size_t entries = 0;
  size_t enqueued = 0;
};

// One track event of a resolved customer.
struct CustomerEvent {
  std::string customer;
  std::string name;
  std::string_view source;
  const boost::json::object* properties = nullptr;
};

class JourneyEngine::Impl {
 public:
  Impl(Store& store, EventLog& log, JourneyStore& journeys, const KeyVault& vault,
       const Clock& clock, MetricsRegistry* metrics, JourneyEngineOptions options);

  // engine.cc
  Status Load();
  Result<std::optional<JourneyState>> State(std::string_view journey,
                                            std::string_view customer) const;
  Result<std::vector<StepCounters>> Stats(std::string_view journey) const;
  Result<size_t> EraseCustomer(std::string_view customer);
  uint64_t Lag() const;
  std::vector<uint64_t> Cursors() const;

  // engine_step.cc
  Result<size_t> Step(size_t max_items);

 private:
  // engine.cc: definitions
  Status ReloadIfChanged();  // guarded
  Result<std::shared_ptr<const CompiledJourney>> Definition(const std::string& id,
                                                            uint64_t version);  // guarded
  bool IsActive(std::string_view id) const;                                     // guarded

  // engine_step.cc
  Result<size_t> StepTimers(int64_t now_us, size_t budget);
  Result<size_t> StepRecords(int64_t now_us, size_t budget);
  // Runs due schedule triggers: enters up to `budget` audience members per round, resuming
  // from the stored cursor, and sets the next run when the audience is done.
  Result<size_t> StepSchedules(int64_t now_us, size_t budget);
  // Cluster mode: a kMessageFinishedEvent of another node becomes this node's "x/" record, so
  // the delivery worker here never sends that message again.
  Status RecordFinishedElsewhere(const boost::json::object* properties, int64_t now_us, Work& work);
  Status Commit(Work& work);
  Status HandleEvent(const CustomerEvent& event, int64_t now_us, Work& work);
  // Enqueues the removal of the customer from every ad audience they were added to (advertising
  // consent withdrawn); `cause` makes the keys, so a repeated round makes the same ones.
  Status RemoveFromAudiences(std::string_view customer, std::string_view cause, int64_t now_us,
                             Work& work);
  Status TryEnter(const CompiledJourney& journey, std::string_view customer, int64_t now_us,
                  Work& work);
  // Runs the customer from step `index` until a step waits or the journey ends.
  Status Advance(const CompiledJourney& journey, std::string_view customer, JourneyState& state,
                 int index, int64_t now_us, Work& work);
  // "waitUntil": "best": the start of the customer's most active UTC hour in the next 24 hours
  // (profile active_hours), or now when that is this hour or the history is too short.
  Result<int64_t> BestSendTime(std::string_view customer, int64_t now_us) const;
  // Thompson sampling over the split's variants on conversions (Step::by_conversions).
  Result<const Variant*> ChooseByConversions(const CompiledJourney& journey,
                                             const journey::Step& step, uint64_t seed) const;
  void Exit(const CompiledJourney& journey, JourneyState& state, std::string_view reason,
            int64_t now_us, Work& work);
  void Enqueue(const CompiledJourney& journey, std::string_view customer, const JourneyState& state,
               const journey::Step& step, int64_t now_us, Work& work);
  Result<std::optional<JourneyState>> ReadState(const Work& work, std::string_view journey,
                                                std::string_view customer) const;
  void PutState(Work& work, std::string_view journey, std::string_view customer,
                const JourneyState& state);
  Result<std::vector<std::string>> JourneysOf(const Work& work, std::string_view customer) const;
  // The live customer of the event's primary identity (profile::PrimaryIdentityKey); none for an
  // unknown key or a stub.
  Result<std::optional<std::string>> ResolveCustomer(const profile::EventView& event) const;

  Store& store_;
  EventLog& log_;
  JourneyStore& journeys_;
  const KeyVault& vault_;
  const Clock& clock_;
  const JourneyEngineOptions options_;

  Counter* transitions_total_ = nullptr;
  Counter* entries_total_ = nullptr;
  Counter* enqueued_total_ = nullptr;
  Histogram* step_seconds_ = nullptr;
  Histogram* enqueue_delay_ = nullptr;

  mutable std::mutex mu_;
  std::vector<uint64_t> cursors_;  // guarded
  std::unique_ptr<std::atomic<uint64_t>[]> published_cursors_;
  uint64_t generation_seen_ = 0;  // guarded
  // Every timer below this due time was fired (and deleted) by this process: scans start here
  // instead of wading through the deleted keys. New timers are always due after `now`.
  int64_t timer_floor_ = INT64_MIN;                             // guarded
  std::map<std::string, JourneyRecord, std::less<>> records_;   // guarded
  std::vector<std::shared_ptr<const CompiledJourney>> active_;  // guarded
  std::map<std::pair<std::string, uint64_t>, std::shared_ptr<const CompiledJourney>>
      compiled_;  // guarded
};

}  // namespace mercato::journey

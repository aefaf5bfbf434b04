// JourneyEngine (engine.h): opening, definitions, reads and erasure.

#include "journey/engine.h"

#include "core/big_endian.h"
#include "journey/engine_impl.h"
#include "journey/engine_keys.h"

namespace mercato::journey {

JourneyEngine::Impl::Impl(Store& store, EventLog& log, JourneyStore& journeys,
                          const KeyVault& vault, const Clock& clock, MetricsRegistry* metrics,
                          JourneyEngineOptions options)
    : store_(store),
      log_(log),
      journeys_(journeys),
      vault_(vault),
      clock_(clock),
      options_(std::move(options)),
      published_cursors_(new std::atomic<uint64_t>[log.partitions()]) {
  if (metrics != nullptr) {
    transitions_total_ = &metrics->GetCounter("mercato_journey_transitions_total",
                                              "Journey steps customers moved through");
    entries_total_ =
        &metrics->GetCounter("mercato_journey_entries_total", "Customers who entered a journey");
    enqueued_total_ = &metrics->GetCounter("mercato_journey_enqueued_total",
                                           "Messages and trait updates put into the outbox");
    step_seconds_ = &metrics->GetHistogram("mercato_journey_step_seconds",
                                           "Duration of one journey engine round", {},
                                           {0.001, 0.005, 0.02, 0.1, 0.5, 2});
    enqueue_delay_ = &metrics->GetHistogram(
        "mercato_journey_enqueue_delay_seconds",
        "From an event's receivedAt to the write that enqueued the actions it caused", {},
        {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5});
  }
}

Status JourneyEngine::Impl::Load() {
  cursors_.assign(log_.partitions(), 0);
  for (uint32_t p = 0; p < log_.partitions(); ++p) {
    Result<std::string> stored = store_.Get(Cf::kMeta, EngineCursorKey(p));
    if (stored.ok()) {
      if (stored->size() != 8) return Status::Corruption("a journey cursor is malformed");
      cursors_[p] = GetFixed64BE(*stored);
    } else if (stored.status().code() != StatusCode::kNotFound) {
      return stored.status();
    }
    published_cursors_[p].store(cursors_[p], std::memory_order_relaxed);
  }
  std::lock_guard lock(mu_);
  return ReloadIfChanged();
}

Status JourneyEngine::Impl::ReloadIfChanged() {
  const uint64_t generation = journeys_.generation();
  if (generation == generation_seen_) return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<JourneyRecord> records, journeys_.List());
  std::map<std::string, JourneyRecord, std::less<>> by_id;
  std::vector<std::shared_ptr<const CompiledJourney>> active;
  for (JourneyRecord& record : records) {
    if (record.status == JourneyStatus::kActive) {
      ASSIGN_OR_RETURN(auto compiled, Definition(record.id, record.version));
      active.push_back(std::move(compiled));
    }
    std::string id = record.id;
    by_id.emplace(std::move(id), std::move(record));
  }
  records_ = std::move(by_id);
  active_ = std::move(active);
  generation_seen_ = generation;
  return Status::Ok();
}

Result<std::shared_ptr<const CompiledJourney>> JourneyEngine::Impl::Definition(
    const std::string& id, uint64_t version) {
  auto key = std::make_pair(id, version);
  if (auto found = compiled_.find(key); found != compiled_.end()) return found->second;
  ASSIGN_OR_RETURN(StoredJourney stored, journeys_.Get(id, version));
  auto compiled = std::make_shared<CompiledJourney>();
  compiled->version = stored.definition_version;
  compiled->rules.resize(stored.definition.steps.size());
  for (size_t i = 0; i < stored.definition.steps.size(); ++i) {
    const journey::Step& step = stored.definition.steps[i];
    if (step.kind != journey::Step::Kind::kBranch) continue;
    Result<analytics::rules::Rule> rule = analytics::rules::Rule::Compile(step.rule);
    if (!rule.ok()) {
      return Status::Corruption("journey '" + id + "' version " + std::to_string(version) +
                                " step '" + step.id + "': " + rule.status().message());
    }
    compiled->rules[i] = std::move(*rule);
  }
  compiled->def = std::move(stored.definition);
  compiled_.emplace(std::move(key), compiled);
  return std::shared_ptr<const CompiledJourney>(std::move(compiled));
}

bool JourneyEngine::Impl::IsActive(std::string_view id) const {
  auto found = records_.find(id);
  return found != records_.end() && found->second.status == JourneyStatus::kActive;
}

Result<std::optional<JourneyState>> JourneyEngine::Impl::State(std::string_view journey,
                                                               std::string_view customer) const {
  Result<std::string> stored = store_.Get(Cf::kJourneyState, StateKey(journey, customer));
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) return std::optional<JourneyState>();
    return stored.status();
  }
  ASSIGN_OR_RETURN(JourneyState state, JourneyState::Parse(*stored));
  return std::optional<JourneyState>(std::move(state));
}

Result<std::vector<StepCounters>> JourneyEngine::Impl::Stats(std::string_view journey) const {
  std::map<std::pair<std::string, std::string>, StepCounters> by_step;
  auto read = [&](Cf family, const std::string& prefix, bool with_variant) -> Status {
    auto it = store_.NewIterator(family);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      std::string_view rest = it->key().ToStringView().substr(prefix.size());
      const size_t first = rest.find('/');
      if (first == std::string_view::npos || it->value().size() != 8) {
        return Status::Corruption("a journey counter is malformed");
      }
      std::string step(rest.substr(0, first));
      rest.remove_prefix(first + 1);
      std::string variant;
      if (with_variant) {
        const size_t second = rest.find('/');
        if (second == std::string_view::npos) {
          return Status::Corruption("a delivery counter is malformed");
        }
        variant = rest.substr(0, second);
        rest.remove_prefix(second + 1);
      }
      StepCounters& entry = by_step[{step, variant}];
      entry.step = step;
      entry.variant = variant;
      entry.counters[std::string(rest)] += GetFixed64BE(it->value().ToStringView());
    }
    return FromRocks(it->status(), "reading journey counters");
  };
  RETURN_IF_ERROR(read(Cf::kJourneyState, EngineCounterPrefix(journey), false));
  RETURN_IF_ERROR(read(Cf::kOutbox, DeliveryCounterPrefix(journey), true));
  std::vector<StepCounters> out;
  out.reserve(by_step.size());
  for (auto& [key, entry] : by_step) out.push_back(std::move(entry));
  return out;
}

Result<size_t> JourneyEngine::Impl::EraseCustomer(std::string_view customer) {
  std::lock_guard lock(mu_);
  rocksdb::WriteBatch batch;
  size_t removed = 0;
  const std::string prefix = CustomerJourneysPrefix(customer);
  auto it = store_.NewIterator(Cf::kJourneyState);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string journey(it->key().ToStringView().substr(prefix.size()));
    const std::string state_key = StateKey(journey, customer);
    Result<std::string> stored = store_.Get(Cf::kJourneyState, state_key);
    if (stored.ok()) {
      ASSIGN_OR_RETURN(JourneyState state, JourneyState::Parse(*stored));
      if (state.active && state.wait != JourneyState::Wait::kNone) {
        batch.Delete(store_.cf(Cf::kJourneyState), EngineTimerKey(state.due_us, journey, customer));
      }
      batch.Delete(store_.cf(Cf::kJourneyState), state_key);
    } else if (stored.status().code() != StatusCode::kNotFound) {
      return stored.status();
    }
    batch.Delete(store_.cf(Cf::kJourneyState), it->key());
    ++removed;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading a customer's journeys"));
  // Queued messages and dead letters of the customer (the outbox is small: what is due now).
  for (std::string_view scan : {kOutboxPrefix, kDeadLetterPrefix}) {
    auto out = store_.NewIterator(Cf::kOutbox);
    for (out->Seek(scan); out->Valid() && out->key().starts_with(scan); out->Next()) {
      Result<OutboxMessage> message = OutboxMessage::Parse(out->value().ToStringView());
      if (!message.ok() || message->customer != customer) continue;
      batch.Delete(store_.cf(Cf::kOutbox), out->key());
      ++removed;
    }
    RETURN_IF_ERROR(FromRocks(out->status(), "reading the outbox"));
  }
  if (batch.Count() > 0) RETURN_IF_ERROR(store_.Write(batch, /*sync=*/true));
  return removed;
}

uint64_t JourneyEngine::Impl::Lag() const {
  uint64_t lag = 0;
  for (uint32_t p = 0; p < log_.partitions(); ++p) {
    const uint64_t end = log_.EndOffset(p);
    const uint64_t at = published_cursors_[p].load(std::memory_order_relaxed);
    if (end > at) lag += end - at;
  }
  return lag;
}

std::vector<uint64_t> JourneyEngine::Impl::Cursors() const {
  std::vector<uint64_t> out(log_.partitions());
  for (uint32_t p = 0; p < log_.partitions(); ++p) {
    out[p] = published_cursors_[p].load(std::memory_order_relaxed);
  }
  return out;
}

Result<std::unique_ptr<JourneyEngine>> JourneyEngine::Open(
    Store& store, EventLog& log, JourneyStore& journeys, const KeyVault& vault, const Clock& clock,
    MetricsRegistry* metrics, JourneyEngineOptions options) {
  auto impl =
      std::make_unique<Impl>(store, log, journeys, vault, clock, metrics, std::move(options));
  RETURN_IF_ERROR(impl->Load());
  Impl* raw = impl.get();
  if (metrics != nullptr) {
    metrics->AddGaugeCallback("mercato_consumer_lag", "Log records not yet processed",
                              {{"consumer", "journeys"}}, [raw] { return raw->Lag(); });
  }
  return std::unique_ptr<JourneyEngine>(new JourneyEngine(std::move(impl)));
}

JourneyEngine::JourneyEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JourneyEngine::~JourneyEngine() = default;

Result<size_t> JourneyEngine::Step(size_t max_items) { return impl_->Step(max_items); }
uint64_t JourneyEngine::Lag() const { return impl_->Lag(); }
std::vector<uint64_t> JourneyEngine::Cursors() const { return impl_->Cursors(); }
Result<std::optional<JourneyState>> JourneyEngine::State(std::string_view journey,
                                                         std::string_view customer) const {
  return impl_->State(journey, customer);
}
Result<std::vector<StepCounters>> JourneyEngine::Stats(std::string_view journey) const {
  return impl_->Stats(journey);
}
Result<size_t> JourneyEngine::EraseCustomer(std::string_view customer) {
  return impl_->EraseCustomer(customer);
}

}  // namespace mercato::journey

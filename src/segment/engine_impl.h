#pragma once
// The private state of SegmentEngine (segment_engine.h), shared by its source files.
//
// Thread safety: every member marked "guarded" is read and written with `mu` held.

#include <rocksdb/write_batch.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "analytics/rules/rule.h"
#include "segment/customer_context.h"
#include "segment/segment_engine.h"

namespace mercato::segment {

struct CompiledSegment {
  SegmentDefinition def;
  analytics::rules::Rule rule;
  uint64_t size = 0;
  int64_t last_point_us = 0;  // the latest size history point
  uint64_t last_point_size = 0;
};

class MembershipBatch;

// What a caller already knows of a customer's state in a segment (batch evaluation reads it
// alongside the profiles instead of one lookup per segment and customer).
struct Known {
  std::optional<bool> member;
  bool timer_known = false;
  std::optional<int64_t> timer;  // the due time of the re-check set now, if any
};

// The value of a rule for a customer now, and when to check it again (time-dependent rules).
struct Decision {
  bool member = false;
  std::optional<int64_t> recheck_at;
};

class SegmentEngine::Impl {
 public:
  Impl(Store& store, EventLog& log, const KeyVault& vault, const Clock& clock,
       MetricsRegistry* metrics, SegmentEngineOptions options);

  Status Load();

  // engine.cc
  Result<SegmentView> Create(const SegmentSpec& spec);
  Result<SegmentView> Update(std::string_view id, const SegmentSpec& spec);
  Status Delete(std::string_view id);
  Result<SegmentView> Get(std::string_view id) const;
  std::vector<SegmentView> List() const;
  Result<MemberPage> Members(std::string_view id, std::string_view cursor, size_t limit) const;
  Result<std::vector<SizePoint>> History(std::string_view id) const;
  Result<std::vector<std::string>> SegmentsOf(std::string_view customer_id) const;
  Result<RulePreview> Preview(std::string_view rule, size_t sample) const;
  Result<size_t> EraseCustomer(std::string_view customer_id);

  // engine_step.cc
  Result<size_t> Step(size_t max_records);
  uint64_t Lag() const;

  // Evaluates `segment` for the customer of `context` at `now_us` and stages what changes. Re-check
  // timers are read (unless known) and set only for time-dependent rules; a timer left by an
  // earlier version of the rule goes when it fires.
  Status Reevaluate(CompiledSegment& segment, const CustomerContext& context, int64_t now_us,
                    std::string_view reason, std::string_view cause, MembershipBatch& batch,
                    const Known& known = {});
  // The two halves of Reevaluate: Decide only reads (safe on several threads at once); Apply
  // stages the change given what is known (member and timer both known).
  Result<Decision> Decide(const CompiledSegment& segment, const CustomerContext& context,
                          int64_t now_us) const;
  void Apply(CompiledSegment& segment, const profile::ProfileState& profile,
             const Decision& decision, const Known& known, int64_t now_us, std::string_view reason,
             std::string_view cause, MembershipBatch& batch);
  Status DeletePrefix(std::string_view prefix, rocksdb::WriteBatch& batch, size_t* count);
  // Stages the removal of every membership and timer of `customer` (no events).
  Status DropCustomer(std::string_view customer, MembershipBatch& batch, size_t* count);
  // Adds a size history point when the size changed and the interval has passed (or `force`).
  void MaybeRecordSize(CompiledSegment& segment, int64_t now_us, bool force,
                       rocksdb::WriteBatch& batch);

  Store& store_;
  EventLog& log_;
  const KeyVault& vault_;
  const Clock& clock_;
  const SegmentEngineOptions options_;

  Counter* evaluations_ = nullptr;
  Counter* entered_ = nullptr;
  Counter* exited_ = nullptr;
  Histogram* step_seconds_ = nullptr;
  Histogram* delay_seconds_ = nullptr;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<CompiledSegment>, std::less<>> segments_;  // guarded
  std::set<std::string, std::less<>> erased_;                                      // guarded
  std::vector<uint64_t> cursors_;                                                  // guarded
  int64_t models_seen_ = 0;  // guarded: PredictionStore::LastUpdated already acted on
  std::unique_ptr<std::atomic<uint64_t>[]> published_cursors_;  // for Lag()

 private:
  Result<size_t> StepRechecks(int64_t now_us, size_t budget);
  // Starts a batch evaluation of every segment that reads model features once a model run has
  // changed predictions.
  Result<size_t> StepModelRuns();
  Result<size_t> StepRecords(int64_t now_us, size_t budget);
  Result<size_t> StepBuild(int64_t now_us);  // engine_build.cc
};

// Staged changes of one step: memberships, counts, timers and the segment events they cause.
// Commit() appends the events (synced) and then writes the batch; counts in memory change only
// after both succeed.
class MembershipBatch {
 public:
  explicit MembershipBatch(SegmentEngine::Impl& engine) : engine_(engine) {}

  void Enter(CompiledSegment& segment, const profile::ProfileState& profile, int64_t now_us,
             std::string_view reason, std::string_view cause);
  // `profile` null: the customer is gone (merged or erased); no event is written.
  void Exit(CompiledSegment& segment, std::string_view customer,
            const profile::ProfileState* profile, int64_t now_us, std::string_view reason,
            std::string_view cause);
  void SetTimer(std::string_view id, std::string_view customer, std::optional<int64_t> old_due,
                std::optional<int64_t> new_due);

  rocksdb::WriteBatch& batch() { return batch_; }
  size_t transitions() const { return transitions_; }
  Status Commit();

 private:
  void AddEvent(const CompiledSegment& segment, const profile::ProfileState& profile, bool entered,
                int64_t now_us, std::string_view reason, std::string_view cause);

  SegmentEngine::Impl& engine_;
  rocksdb::WriteBatch batch_;
  std::vector<AppendItem> events_;
  std::map<CompiledSegment*, int64_t> deltas_;
  size_t transitions_ = 0;
  uint64_t entered_ = 0;
  uint64_t exited_ = 0;
};

}  // namespace mercato::segment

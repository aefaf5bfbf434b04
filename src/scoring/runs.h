#pragma once
// Model runs over the stored customers (docs/analytics.md, "Model runs"): ModelRunner executes one
// run synchronously (the CLI), RunService one at a time on a background thread (the HTTP API).
//
// A run:
//  1. validates its kind and parameters (InvalidArgument naming the parameter; nothing written);
//  2. writes its record "r/<id>" with status "running" (scoring/run_record.h);
//  3. reads the CustomerTable (scoring/customer_table.h), calling `progress`;
//  4. computes the model (scoring/models.h) — a failure here (too little data, a fit without a
//     solution) writes no prediction;
//  5. writes, in WriteBatches of `batch_size` customers, each scored customer's fields merged into
//     its stored predictions (PredictionStore::MergeInto: other runs' fields are kept) with
//     runs[field] = the run id, and deletes every prediction of the customers without profiling
//     consent (so withdrawing consent and running again removes their scores);
//  6. stores the record as "done" with the summary as "result", or "failed" with the error.
// An I/O error in step 5 can leave the batches written before it (each batch is atomic).
//
// Thread safety: ModelRunner has no mutable state besides the store (a RocksDB handle); running two
// runs at once is not prevented by it (RunService does that). RunService is thread-safe.

#include <boost/json/object.hpp>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "privacy/consent.h"
#include "scoring/customer_table.h"
#include "scoring/run_record.h"
#include "scoring/run_request.h"
#include "storage/store.h"

namespace mercato::scoring {

struct RunnerOptions {
  ConsentDefaults consent;
  size_t batch_size = 500;  // customers per WriteBatch
  // Test hook: called on the run's thread (RunService) or the caller's (ModelRunner) with the run
  // id before the customers are read, e.g. to hold a run open while a test submits another.
  std::function<void(const std::string& run_id)> on_execute;
  // When set: mercato_model_run_seconds{kind} (how long runs take) and, after each predict run,
  // mercato_prediction_psi{field} (drift against the previous predict run, scoring/drift.h).
  MetricsRegistry* metrics = nullptr;
};

class ModelRunner {
 public:
  ModelRunner(Store& store, const Clock& clock, RunnerOptions options = {});

  // Step 1. InvalidArgument for an unknown kind or a bad parameter.
  Result<RunRequest> Prepare(std::string_view kind, const boost::json::object& params) const;
  // Step 2: the new run's record, stored as running.
  Result<RunRecord> Begin(const RunRequest& request);
  // Steps 3-6. Returns the finished record (status "done"); on failure the stored record says
  // "failed" and the error is returned.
  Result<RunRecord> Execute(RunRecord record, const RunRequest& request,
                            const ProgressFn& progress = {});
  // All steps.
  Result<RunRecord> Run(std::string_view kind, const boost::json::object& params,
                        const ProgressFn& progress = {});

  RunStore& runs() { return runs_; }

 private:
  Result<boost::json::object> Compute(const RunRequest& request, const std::string& run_id,
                                      const ProgressFn& progress);

  // const after construction
  Store& store_;
  const Clock& clock_;
  const RunnerOptions options_;
  RunStore runs_;
};

class RunService {
 public:
  RunService(Store& store, const Clock& clock, RunnerOptions options = {});
  ~RunService();  // Stop()
  RunService(const RunService&) = delete;
  RunService& operator=(const RunService&) = delete;

  // Marks runs left "running" by a previous process as failed ("interrupted").
  Status Start();
  // Validates and begins a run, then executes it on a background thread. Returns the record
  // (status "running"). InvalidArgument for a bad kind or parameter; FailedPrecondition while
  // another run is in progress; Unavailable after Stop().
  Result<RunRecord> Submit(std::string_view kind, const boost::json::object& params);
  // Waits until no run is in progress.
  void WaitIdle();
  // Refuses new runs and waits for the current one (runs are not interrupted).
  void Stop();

  RunStore& runs() { return runner_.runs(); }

 private:
  ModelRunner runner_;
  std::mutex mu_;
  std::condition_variable idle_;
  bool running_ = false;  // guarded by mu_
  bool stopped_ = false;  // guarded by mu_
  std::thread worker_;    // guarded by mu_; joined before the next run starts and in Stop()
};

}  // namespace mercato::scoring

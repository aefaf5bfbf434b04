#include "scoring/runs.h"

#include <rocksdb/write_batch.h>

#include <chrono>
#include <optional>
#include <utility>

#include "core/logging.h"
#include "profile/prediction_store.h"
#include "scoring/drift.h"
#include "scoring/models.h"

namespace mercato::scoring {
namespace json = boost::json;

ModelRunner::ModelRunner(Store& store, const Clock& clock, RunnerOptions options)
    : store_(store), clock_(clock), options_(std::move(options)), runs_(store) {}

Result<RunRequest> ModelRunner::Prepare(std::string_view kind, const json::object& params) const {
  ASSIGN_OR_RETURN(RunKind parsed, ParseRunKind(kind));
  return ParseRunRequest(parsed, params, clock_.NowMicros());
}

Result<RunRecord> ModelRunner::Begin(const RunRequest& request) {
  RunRecord record;
  record.started_us = clock_.NowMicros();
  ASSIGN_OR_RETURN(record.id, runs_.NewId(record.started_us));
  record.kind = std::string(RunKindName(request.kind));
  record.params = request.EffectiveParams();
  RETURN_IF_ERROR(runs_.Put(record));
  return record;
}

Result<json::object> ModelRunner::Compute(const RunRequest& request, const std::string& run_id,
                                          const ProgressFn& progress) {
  if (options_.on_execute) options_.on_execute(run_id);
  CustomerTableOptions table_options;
  table_options.consent = options_.consent;
  table_options.progress = progress;
  ASSIGN_OR_RETURN(CustomerTable table, LoadCustomerTable(store_, table_options));
  Result<ModelOutput> output = Status::Internal("unknown run kind");
  switch (request.kind) {
    case RunKind::kRfm:
      output = RunRfmModel(table, request);
      break;
    case RunKind::kCluster:
      output = RunClusterModel(table, request);
      break;
    case RunKind::kCohorts:
      output = RunCohortsModel(table, request);
      break;
    case RunKind::kPredict:
      output = RunPredictModel(table, request);
      break;
  }
  if (!output.ok()) return output.status();

  // Writes only after the model succeeded: a failed fit leaves every prediction as it was.
  for (const auto& [name, content] : output->artifacts) {
    RETURN_IF_ERROR(runs_.PutArtifact(run_id, name, content));
  }
  PredictionStore predictions(store_);
  const int64_t scored_at = clock_.NowMicros();
  rocksdb::WriteBatch batch;
  size_t in_batch = 0;
  auto flush = [&](bool last) -> Status {
    if (in_batch == 0 && !last) return Status::Ok();
    Status status = store_.Write(batch, /*sync=*/last);
    batch.Clear();
    in_batch = 0;
    return status;
  };
  int64_t deleted = 0;
  for (const std::string& id : table.excluded) {
    ASSIGN_OR_RETURN(Predictions existing, predictions.Get(id));
    if (existing.empty()) continue;
    PredictionStore::DeleteInto(store_, batch, id);
    ++deleted;
    if (++in_batch >= options_.batch_size) RETURN_IF_ERROR(flush(false));
  }
  for (auto& entry : output->predictions) {
    const std::string& id = entry.first;
    Predictions& update = entry.second;
    auto mark = [&update, &run = run_id](const char* field, bool set) {
      if (set) update.runs[field] = run;
    };
    mark("churn_probability", update.churn_probability.has_value());
    mark("p_alive", update.p_alive.has_value());
    mark("clv", update.clv.has_value());
    mark("expected_purchases_90d", update.expected_purchases_90d.has_value());
    mark("rfm_score", update.rfm_score.has_value());
    mark("rfm_segment", update.rfm_segment.has_value());
    mark("cluster", update.cluster.has_value());
    update.scored_at_us = scored_at;
    RETURN_IF_ERROR(predictions.MergeInto(batch, id, update));
    if (++in_batch >= options_.batch_size) RETURN_IF_ERROR(flush(false));
  }
  RETURN_IF_ERROR(flush(true));
  RETURN_IF_ERROR(PredictionStore::MarkUpdated(store_, scored_at));
  json::object summary = std::move(output->summary);
  summary["customers_with_consent"] = table.customers.size();
  summary["excluded_without_consent"] = table.excluded.size();
  summary["predictions_written"] = output->predictions.size();
  summary["predictions_deleted"] = deleted;
  return summary;
}

Result<RunRecord> ModelRunner::Execute(RunRecord record, const RunRequest& request,
                                       const ProgressFn& progress) {
  const auto started = std::chrono::steady_clock::now();
  Result<json::object> summary = Compute(request, record.id, progress);
  record.finished_us = clock_.NowMicros();
  const Status outcome = summary.status();
  if (options_.metrics != nullptr) {
    options_.metrics
        ->GetHistogram("mercato_model_run_seconds", "How long model runs take, by kind",
                       {{"kind", std::string(RunKindName(request.kind))}},
                       {0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600})
        .Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  if (outcome.ok() && request.kind == RunKind::kPredict) {
    // Drift against the previous predict run (the new record is not stored as done yet).
    Result<RunRecord> previous = runs_.LatestDone("predict");
    if (previous.ok()) {
      json::object drift{{"against", previous->id}};
      for (const char* field : {"churn_probability", "p_alive"}) {
        std::optional<double> psi;
        const json::value* before = nullptr;
        if (const json::object* old = previous->result.if_object()) {
          if (const json::value* bins = old->if_contains("distribution")) {
            if (bins->is_object()) before = bins->get_object().if_contains(field);
          }
        }
        const json::value* after = summary->contains("distribution")
                                       ? summary->at("distribution").as_object().if_contains(field)
                                       : nullptr;
        if (before != nullptr && after != nullptr) {
          auto old_counts = HistogramFromJson(*before);
          auto new_counts = HistogramFromJson(*after);
          if (old_counts && new_counts) psi = PopulationStability(*old_counts, *new_counts);
        }
        drift[field] = psi ? json::value(*psi) : json::value(nullptr);
        if (psi && options_.metrics != nullptr) {
          options_.metrics
              ->GetGauge("mercato_prediction_psi",
                         "Population stability index of a score against the previous predict run",
                         {{"field", field}})
              .Set(*psi);
        }
      }
      (*summary)["drift"] = std::move(drift);
    } else if (previous.status().code() != StatusCode::kNotFound) {
      LOG(WARNING) << "drift not measured: " << previous.status().ToString();
    }
  }
  if (outcome.ok()) {
    record.status = "done";
    record.result = std::move(summary).value();
  } else {
    record.status = "failed";
    record.error = outcome.ToString();
  }
  RETURN_IF_ERROR(runs_.Put(record));
  if (!outcome.ok()) return outcome;
  return record;
}

Result<RunRecord> ModelRunner::Run(std::string_view kind, const json::object& params,
                                   const ProgressFn& progress) {
  ASSIGN_OR_RETURN(RunRequest request, Prepare(kind, params));
  ASSIGN_OR_RETURN(RunRecord record, Begin(request));
  return Execute(std::move(record), request, progress);
}

RunService::RunService(Store& store, const Clock& clock, RunnerOptions options)
    : runner_(store, clock, std::move(options)) {}

RunService::~RunService() { Stop(); }

Status RunService::Start() {
  ASSIGN_OR_RETURN(std::vector<RunRecord> records, runs().List(SIZE_MAX));
  for (RunRecord& record : records) {
    if (record.status != "running") continue;
    record.status = "failed";
    record.error = "Unavailable: interrupted (the process stopped during the run)";
    RETURN_IF_ERROR(runs().Put(record));
  }
  return Status::Ok();
}

Result<RunRecord> RunService::Submit(std::string_view kind, const json::object& params) {
  std::unique_lock lock(mu_);
  if (stopped_) return Status::Unavailable("model runs are stopping");
  if (running_) {
    return Status::FailedPrecondition("a model run is in progress; one run at a time");
  }
  ASSIGN_OR_RETURN(RunRequest request, runner_.Prepare(kind, params));
  if (worker_.joinable()) worker_.join();  // the previous run has finished (running_ is false)
  ASSIGN_OR_RETURN(RunRecord record, runner_.Begin(request));
  running_ = true;
  worker_ = std::thread([this, record, request]() mutable {
    auto finished = runner_.Execute(std::move(record), request);
    if (!finished.ok()) {
      LOG(WARNING) << "model run failed: " << finished.status().ToString();
    }
    std::lock_guard guard(mu_);
    running_ = false;
    idle_.notify_all();
  });
  return record;
}

void RunService::WaitIdle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return !running_; });
}

void RunService::Stop() {
  std::thread worker;
  {
    std::unique_lock lock(mu_);
    stopped_ = true;
    idle_.wait(lock, [this] { return !running_; });
    worker = std::move(worker_);
  }
  if (worker.joinable()) worker.join();
}

}  // namespace mercato::scoring

#pragma once
// An offline experiment: several models trained and evaluated on the same folds (time slices of
// the session-rec protocol, or the one train/test split of SR-GNN), averaged over folds.
// No I/O: the caller loads the folds (data/) and prints the rows.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "recommend/eval/evaluator.h"
#include "recommend/eval/tuning.h"

namespace mercato::recommend {

struct Fold {
  std::string label;
  SessionCorpus train;
  std::vector<ReplaySession> replay;  // replayed click by click (session-rec), or
  std::vector<NextItemCase> cases;    // fixed prefix -> next cases (SR-GNN)
  std::int64_t now = 0;               // query time of cases
  bool clock_times = true;  // false: times are positions, so time decays (lambda_snh) are off
};

using ModelFactory = std::function<Result<std::unique_ptr<SessionModel>>(const Fold& fold)>;

// A model to evaluate: trained by `build`, or, for a blend, made of other specs' models of the
// same fold (trained once, shared by every blend that names them).
struct ModelSpec {
  std::string name;
  ModelFactory build;
  std::vector<ModelSpec> members;  // blend only
  std::vector<double> weights;     // blend only, one per member
};

struct BuiltInOptions {
  bool tune = false;  // session-kNN: search parameters on a validation split of each fold
  std::size_t threads = 1;
  std::function<void(const TuningTrial&)> on_trial;
};

// Factories for "pop", "iknn", "sr", "sknn", "vsknn", "stan" and "vstan".
Result<ModelSpec> BuiltInModel(std::string_view name, const BuiltInOptions& options);

// A blend of other specs with weights (Hybrid), named `name`.
ModelSpec BlendModel(std::string name, std::vector<ModelSpec> members, std::vector<double> weights);

struct ExperimentRow {
  std::string model;
  std::string fold;  // "mean" for averages
  MetricsReport metrics;
  double train_seconds = 0, eval_seconds = 0;
};

// Trains and evaluates every model on every fold, fold by fold; a model named by several specs or
// blends is trained once per fold. Stops at the first model that fails to build. `on_row` is
// called after each (model, fold); rows come out in fold order, then spec order.
Result<std::vector<ExperimentRow>> RunExperiment(
    std::span<const Fold> folds, std::span<const ModelSpec> models,
    const EvaluationOptions& evaluation,
    const std::function<void(const ExperimentRow&)>& on_row = nullptr);

// One row per model: metrics averaged over its folds (events summed), times summed.
std::vector<ExperimentRow> MeanOverFolds(std::span<const ExperimentRow> rows);

}  // namespace mercato::recommend

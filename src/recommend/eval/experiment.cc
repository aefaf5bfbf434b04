#include "recommend/eval/experiment.h"

#include <chrono>

#include "recommend/hybrid.h"
#include "recommend/item/item_graph.h"
#include "recommend/knn/session_knn.h"
#include "recommend/popularity.h"

namespace mercato::recommend {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <typename T>
Result<std::unique_ptr<SessionModel>> Upcast(Result<std::unique_ptr<T>> built) {
  if (!built.ok()) return built.status();
  return std::unique_ptr<SessionModel>(std::move(built).value());
}

ModelFactory KnnFactory(const SessionKnnOptions& preset, const BuiltInOptions& options) {
  return [preset, options](const Fold& fold) -> Result<std::unique_ptr<SessionModel>> {
    SessionKnnOptions chosen = preset;
    if (!fold.clock_times) chosen.snh_days = 0;
    if (options.tune) {
      TuningOptions tuning;
      tuning.threads = options.threads;
      tuning.now = fold.now;
      tuning.on_trial = options.on_trial;
      auto tuned = TuneSessionKnn(fold.train, chosen, tuning);
      if (!tuned.ok()) return tuned.status();
      chosen = tuned.value().best;
    }
    return Upcast(SessionKnn::Build(fold.train, chosen));
  };
}

}  // namespace

Result<ModelSpec> BuiltInModel(std::string_view name, const BuiltInOptions& options) {
  const std::string label(name);
  if (name == "pop") {
    return ModelSpec{label, [](const Fold& fold) {
                       return Upcast(Popularity::Build(fold.train, PopularityOptions{}));
                     }};
  }
  if (auto item = ItemGraphPreset(name); item.ok()) {
    ItemGraphOptions o = item.value();
    o.remind = true;
    o.lambda = 1;
    return ModelSpec{label,
                     [o](const Fold& fold) { return Upcast(ItemGraph::Build(fold.train, o)); }};
  }
  auto knn = SessionKnnPreset(name);
  if (!knn.ok()) {
    return Status::InvalidArgument("unknown model \"" + label +
                                   "\" (expected pop, iknn, sr, sknn, vsknn, stan or vstan)");
  }
  return ModelSpec{label, KnnFactory(knn.value(), options)};
}

ModelSpec BlendModel(std::string name, std::vector<ModelSpec> members,
                     std::vector<double> weights) {
  ModelSpec spec;
  spec.name = std::move(name);
  spec.members = std::move(members);
  spec.weights = std::move(weights);
  return spec;
}

namespace {

// The models of one fold by name, each trained on first use.
class FoldModels {
 public:
  explicit FoldModels(const Fold& fold) : fold_(fold) {}

  // The model of `spec`; `train_seconds` gets the time spent training it now (0 when cached).
  Result<const SessionModel*> Get(const ModelSpec& spec, double& train_seconds) {
    train_seconds = 0;
    for (const auto& [name, model] : built_) {
      if (name == spec.name) return model.get();
    }
    const auto started = std::chrono::steady_clock::now();
    Result<std::unique_ptr<SessionModel>> model =
        spec.members.empty() ? spec.build(fold_) : Blend(spec, train_seconds);
    if (!model.ok()) {
      if (!spec.members.empty()) return model.status();  // already names the member
      return Status(model.status().code(),
                    spec.name + " on " + fold_.label + ": " + model.status().message());
    }
    if (spec.members.empty()) train_seconds = SecondsSince(started);
    built_.emplace_back(spec.name, std::move(model).value());
    return built_.back().second.get();
  }

 private:
  Result<std::unique_ptr<SessionModel>> Blend(const ModelSpec& spec, double& train_seconds) {
    std::vector<Hybrid::Member> members;
    for (std::size_t i = 0; i < spec.members.size(); ++i) {
      double seconds = 0;
      auto member = Get(spec.members[i], seconds);
      if (!member.ok()) return member.status();
      train_seconds += seconds;
      members.push_back({member.value(), i < spec.weights.size() ? spec.weights[i] : 0.0});
    }
    return Upcast(Hybrid::Build(spec.name, std::move(members)));
  }

  const Fold& fold_;
  std::vector<std::pair<std::string, std::unique_ptr<SessionModel>>> built_;
};

}  // namespace

Result<std::vector<ExperimentRow>> RunExperiment(
    std::span<const Fold> folds, std::span<const ModelSpec> models,
    const EvaluationOptions& evaluation, const std::function<void(const ExperimentRow&)>& on_row) {
  std::vector<ExperimentRow> rows;
  for (const Fold& fold : folds) {
    FoldModels built(fold);
    const std::vector<std::uint64_t> popularity = ItemPopularity(fold.train);
    EvaluationOptions options = evaluation;
    options.now = fold.now;
    for (const ModelSpec& spec : models) {
      double train_seconds = 0;
      auto model = built.Get(spec, train_seconds);
      if (!model.ok()) return model.status();
      const EvaluationReport report =
          fold.cases.empty() ? EvaluateReplay(*model.value(), fold.replay, popularity, options)
                             : EvaluateCases(*model.value(), fold.cases, popularity, options);
      ExperimentRow row{spec.name, fold.label, report.metrics, train_seconds, report.seconds};
      if (on_row) on_row(row);
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

std::vector<ExperimentRow> MeanOverFolds(std::span<const ExperimentRow> rows) {
  std::vector<ExperimentRow> means;
  for (const ExperimentRow& row : rows) {
    ExperimentRow* mean = nullptr;
    for (ExperimentRow& m : means) {
      if (m.model == row.model) mean = &m;
    }
    if (mean == nullptr) {
      means.push_back({row.model, "mean", {}, 0, 0});
      mean = &means.back();
      mean->metrics.at.resize(row.metrics.at.size());
    }
    mean->metrics.events += row.metrics.events;
    mean->train_seconds += row.train_seconds;
    mean->eval_seconds += row.eval_seconds;
    for (std::size_t c = 0; c < row.metrics.at.size() && c < mean->metrics.at.size(); ++c) {
      CutoffMetrics& m = mean->metrics.at[c];
      const CutoffMetrics& r = row.metrics.at[c];
      m.k = r.k;
      m.hit_rate += r.hit_rate;
      m.mrr += r.mrr;
      m.precision += r.precision;
      m.recall += r.recall;
      m.map += r.map;
      m.coverage += r.coverage;
      m.popularity += r.popularity;
    }
  }
  for (ExperimentRow& mean : means) {
    std::size_t folds = 0;
    for (const ExperimentRow& row : rows) folds += row.model == mean.model ? 1 : 0;
    for (CutoffMetrics& m : mean.metrics.at) {
      const double n = static_cast<double>(folds);
      m.hit_rate /= n;
      m.mrr /= n;
      m.precision /= n;
      m.recall /= n;
      m.map /= n;
      m.coverage /= n;
      m.popularity /= n;
    }
  }
  return means;
}

}  // namespace mercato::recommend

// `mercato recommend eval`: the offline comparison of recommendation models on a public data set
// (docs/recommendations.md). Loads the data in its original format, applies the data set's
// protocol, trains and evaluates every model on every fold and prints the means.

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/recommend_models.h"
#include "importer/progress_bar.h"
#include "recommend/data/diginetica.h"
#include "recommend/data/online_retail.h"
#include "recommend/data/protocol.h"
#include "recommend/data/retailrocket.h"
#include "recommend/data/srgnn.h"
#include "recommend/eval/experiment.h"

namespace mercato::cli {
namespace {

namespace data = recommend::data;
using recommend::Fold;

int Fail(const Status& status) {
  std::fprintf(stderr, "mercato recommend: %s\n", status.ToString().c_str());
  return 1;
}

Result<std::ifstream> Open(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path.string());
  return in;
}

// The data set's default location under $MERCATO_DATA_DIR.
std::filesystem::path DefaultPath(const std::string& dataset) {
  const char* root = std::getenv("MERCATO_DATA_DIR");
  const std::filesystem::path base = root != nullptr ? root : "../shared/data";
  if (dataset == "srgnn") return base / "diginetica_srgnn_split";
  if (dataset == "retailrocket-sample") return base / "retailrocket_sample/sample_retailrocket.csv";
  if (dataset == "diginetica") return base / "diginetica_sample/sample_train-item-views.csv";
  if (dataset == "online-retail")
    return base / "online_retail/online_retail_I_from_spark_guide_by_day.csv";
  return base / "retailrocket/events.csv";
}

Fold FromSplit(std::string label, data::TrainTestSplit split) {
  Fold fold;
  fold.label = std::move(label);
  fold.train = std::move(split.train);
  fold.replay = std::move(split.test);
  return fold;
}

Result<std::vector<Fold>> SlicedFolds(const data::SessionLog& log,
                                      const RecommendEvalOptions& options) {
  data::SliceOptions slicing;
  slicing.slices = options.slices;
  slicing.train_days = options.train_days;
  slicing.test_days = options.test_days;
  auto slices = data::SliceByTime(log, slicing);
  if (!slices.ok()) return slices.status();
  std::vector<Fold> folds;
  for (std::size_t i = 0; i < slices.value().size(); ++i) {
    if (slices.value()[i].train.empty() || slices.value()[i].test.empty()) continue;
    folds.push_back(FromSplit("slice " + std::to_string(i + 1), std::move(slices.value()[i])));
  }
  if (folds.empty()) return Status::InvalidArgument("no slice has both training and test data");
  return folds;
}

Result<std::vector<Fold>> LastDaysFold(const data::SessionLog& log, int days) {
  auto split = data::SplitLastDays(log, days);
  if (!split.ok()) return split.status();
  std::vector<Fold> folds;
  folds.push_back(FromSplit("last " + std::to_string(days) + " days", std::move(split).value()));
  return folds;
}

Result<std::vector<Fold>> LoadFolds(const RecommendEvalOptions& options) {
  const std::filesystem::path path =
      options.path.empty() ? DefaultPath(options.dataset) : std::filesystem::path(options.path);
  if (options.dataset == "srgnn") {
    auto train = Open(path / "train_sessions.txt");
    auto test = Open(path / "test_pairs.tsv");
    if (!train.ok()) return train.status();
    if (!test.ok()) return test.status();
    auto split = data::ReadSrGnnSplit(train.value(), test.value());
    if (!split.ok()) return split.status();
    std::vector<Fold> folds(1);
    folds[0].label = "SR-GNN split";
    folds[0].now = static_cast<std::int64_t>(split.value().train.size());
    folds[0].clock_times = false;
    folds[0].train = std::move(split.value().train);
    folds[0].cases = std::move(split.value().test);
    return folds;
  }
  auto in = Open(path);
  if (!in.ok()) return in.status();
  if (options.dataset == "online-retail") {
    auto purchases = data::ReadOnlineRetailPurchases(in.value());
    if (!purchases.ok()) return purchases.status();
    auto split = data::NextPurchaseSplit(purchases.value(), options.test_days);
    if (!split.ok()) return split.status();
    std::vector<Fold> folds;
    folds.push_back(
        FromSplit("last " + std::to_string(options.test_days) + " days", std::move(split).value()));
    return folds;
  }
  Result<data::ClickLog> clicks = Status::InvalidArgument(
      "unknown data set \"" + options.dataset +
      "\" (expected srgnn, retailrocket, retailrocket-sample, diginetica or online-retail)");
  data::SessionizeOptions sessionize;
  if (options.dataset == "retailrocket") {
    clicks = data::ReadRetailRocketEvents(in.value());
  } else if (options.dataset == "retailrocket-sample") {
    clicks = data::ReadRetailRocketSessionSample(in.value());
    sessionize.max_gap_seconds = data::kNoGapSplit;
  } else if (options.dataset == "diginetica") {
    clicks = data::ReadDigineticaItemViews(in.value());
    sessionize.max_gap_seconds = data::kNoGapSplit;
  }
  if (!clicks.ok()) return clicks.status();
  const data::SessionLog log = data::PrepareSessions(clicks.value(), sessionize);
  if (options.slices > 0) return SlicedFolds(log, options);
  return LastDaysFold(log, options.test_days);
}

// Replaces each fold's test data by the validation split of its training data.
Status UseValidation(std::vector<Fold>& folds) {
  for (Fold& fold : folds) {
    auto split = recommend::SplitForValidation(fold.train, 0.1);
    if (!split.ok()) return split.status();
    fold.label += " (validation)";
    fold.train = std::move(split.value().train);
    fold.replay = std::move(split.value().validation);
    fold.cases.clear();
  }
  return Status::Ok();
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// "MODEL:WEIGHT,...".
Result<recommend::ModelSpec> Blend(const std::string& text,
                                   const recommend::BuiltInOptions& built_in,
                                   const RecommendEvalOptions& options) {
  std::vector<recommend::ModelSpec> members;
  std::vector<double> weights;
  for (const std::string& part : SplitList(text)) {
    const std::size_t colon = part.find(':');
    char* end = nullptr;
    const double weight =
        colon == std::string::npos ? 1.0 : std::strtod(part.c_str() + colon + 1, &end);
    if (colon != std::string::npos &&
        (end == nullptr || *end != '\0' || end == part.c_str() + colon + 1)) {
      return Status::InvalidArgument("--blend wants MODEL:WEIGHT,..., got '" + part + "'");
    }
    auto spec = ModelByName(part.substr(0, colon), built_in, options);
    if (!spec.ok()) return spec.status();
    members.push_back(std::move(spec).value());
    weights.push_back(weight);
  }
  return recommend::BlendModel("blend(" + text + ")", std::move(members), std::move(weights));
}

Result<std::vector<recommend::ModelSpec>> Models(const RecommendEvalOptions& options) {
  recommend::BuiltInOptions built_in;
  built_in.tune = options.tune;
  built_in.threads = options.threads;
  std::vector<recommend::ModelSpec> specs;
  for (const std::string& name : SplitList(options.models)) {
    auto spec = ModelByName(name, built_in, options);
    if (!spec.ok()) return spec.status();
    specs.push_back(std::move(spec).value());
  }
  for (const std::string& blend : options.blends) {
    auto spec = Blend(blend, built_in, options);
    if (!spec.ok()) return spec.status();
    specs.push_back(std::move(spec).value());
  }
  if (specs.empty()) return Status::InvalidArgument("no models given (--models)");
  return specs;
}

void PrintTable(const std::vector<recommend::ExperimentRow>& means, std::size_t k) {
  std::printf("%-28s %9s %7s %7s %7s %7s %7s %7s %7s %8s %8s\n", "model", "events",
              ("HR@" + std::to_string(k)).c_str(), ("MRR@" + std::to_string(k)).c_str(), "P", "R",
              "MAP", "Cov", "Pop", "train s", "eval s");
  for (const auto& row : means) {
    const recommend::CutoffMetrics* m = row.metrics.At(k);
    if (m == nullptr) continue;
    std::printf("%-28s %9llu %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %8.1f %8.1f\n",
                row.model.c_str(), static_cast<unsigned long long>(row.metrics.events), m->hit_rate,
                m->mrr, m->precision, m->recall, m->map, m->coverage, m->popularity,
                row.train_seconds, row.eval_seconds);
  }
}

std::string RowJson(const recommend::ExperimentRow& row, const std::string& dataset) {
  boost::json::object out{{"dataset", dataset},
                          {"model", row.model},
                          {"fold", row.fold},
                          {"events", row.metrics.events},
                          {"train_seconds", row.train_seconds},
                          {"eval_seconds", row.eval_seconds}};
  boost::json::array at;
  for (const auto& m : row.metrics.at) {
    at.push_back(boost::json::object{{"k", m.k},
                                     {"hit_rate", m.hit_rate},
                                     {"mrr", m.mrr},
                                     {"precision", m.precision},
                                     {"recall", m.recall},
                                     {"map", m.map},
                                     {"coverage", m.coverage},
                                     {"popularity", m.popularity}});
  }
  out["at"] = std::move(at);
  return boost::json::serialize(out);
}

}  // namespace

int RunRecommendEval(const RecommendEvalOptions& options) {
  auto models = Models(options);
  if (!models.ok()) return Fail(models.status());
  recommend::EvaluationOptions evaluation;
  evaluation.threads = options.threads;
  evaluation.cutoffs.clear();
  for (const std::string& k : SplitList(options.cutoffs)) {
    char* end = nullptr;
    const unsigned long value = std::strtoul(k.c_str(), &end, 10);
    if (end == nullptr || *end != '\0' || value == 0 || value > 1000) {
      return Fail(Status::InvalidArgument("--cutoffs wants numbers 1..1000, got '" + k + "'"));
    }
    evaluation.cutoffs.push_back(value);
  }
  if (evaluation.cutoffs.empty()) return Fail(Status::InvalidArgument("--cutoffs is empty"));
  auto folds = LoadFolds(options);
  if (!folds.ok()) return Fail(folds.status());
  if (options.on_validation) {
    if (Status s = UseValidation(folds.value()); !s.ok()) return Fail(s);
  }
  ProgressBar bar(stderr, options.progress, ProgressUnit{"k cases", 1e3});
  evaluation.progress = [&bar](std::size_t done, std::size_t total) { bar.Update(done, total); };
  auto rows = recommend::RunExperiment(
      folds.value(), models.value(), evaluation, [&](const recommend::ExperimentRow& row) {
        bar.Finish();
        if (options.json) std::printf("%s\n", RowJson(row, options.dataset).c_str());
      });
  if (!rows.ok()) return Fail(rows.status());
  const auto means = recommend::MeanOverFolds(rows.value());
  if (options.json) {
    for (const auto& row : means) std::printf("%s\n", RowJson(row, options.dataset).c_str());
  } else {
    std::printf("%s: %zu fold(s)%s\n", options.dataset.c_str(), folds.value().size(),
                options.on_validation ? ", validation splits of the training data" : "");
    PrintTable(means, *std::max_element(evaluation.cutoffs.begin(), evaluation.cutoffs.end()));
  }
  return 0;
}

}  // namespace mercato::cli

#include "recserve/trainer.h"

#include <boost/json/array.hpp>
#include <cmath>
#include <map>

#include "core/time_format.h"
#include "recommend/eval/evaluator.h"
#include "recommend/neural/gru4rec_weights.h"

namespace mercato::recserve {
namespace {

namespace json = boost::json;

constexpr size_t kMinValidationSessions = 10;
constexpr size_t kVersionsKept = 3;
constexpr size_t kCutoff = 20;

void Report(const TrainOptions& options, std::string_view stage) {
  if (options.progress) options.progress(stage);
}

Result<std::string> TrainNeural(const TrainingData& data, const TrainOptions& options) {
  if (!options.neural) return std::string();
  ASSIGN_OR_RETURN(auto gru, recommend::Gru4Rec::Train(data.Corpus(), options.gru));
  std::string bytes;
  RETURN_IF_ERROR(gru->Serialize(bytes));
  return bytes;
}

// Step 2: the metrics of every strategy on the newest sessions, and the best strategy.
Result<json::object> Validate(const TrainingData& data, const TrainOptions& options,
                              std::string& best) {
  best = "vstan";
  const size_t held_out = static_cast<size_t>(
      std::floor(static_cast<double>(data.sessions.size()) * options.validation_fraction));
  if (held_out < kMinValidationSessions || held_out >= data.sessions.size()) {
    return json::object{{"skipped", "fewer than 10 sessions to hold out"}};
  }
  TrainingData train;
  train.as_of_us = data.sessions[data.sessions.size() - held_out - 1].end_us;
  train.items = data.items;
  train.contexts = data.contexts;
  train.sessions.assign(data.sessions.begin(),
                        data.sessions.end() - static_cast<ptrdiff_t>(held_out));
  std::vector<recommend::ReplaySession> replay;
  for (size_t s = data.sessions.size() - held_out; s < data.sessions.size(); ++s) {
    recommend::ReplaySession session;
    session.items = data.sessions[s].items;
    session.times.assign(session.items.size(), data.sessions[s].end_us / 1'000'000);
    replay.push_back(std::move(session));
  }
  Report(options, "validating");
  ASSIGN_OR_RETURN(std::string neural, TrainNeural(train, options));
  const recommend::SessionCorpus corpus = train.Corpus();
  const std::vector<uint64_t> popularity = recommend::ItemPopularity(corpus);
  ASSIGN_OR_RETURN(auto models, ModelSet::Build(std::move(train), neural, "", "vstan"));
  recommend::EvaluationOptions evaluation;
  evaluation.cutoffs = {kCutoff};
  evaluation.threads = options.threads;
  json::object metrics;
  double best_mrr = -1, best_hit = -1;
  for (const std::string& strategy : models->Strategies()) {
    const recommend::EvaluationReport report =
        recommend::EvaluateReplay(*models->Find(strategy), replay, popularity, evaluation);
    const recommend::CutoffMetrics* at = report.metrics.At(kCutoff);
    if (at == nullptr) continue;
    metrics[strategy] = json::object{{"hr@20", at->hit_rate},
                                     {"mrr@20", at->mrr},
                                     {"coverage@20", at->coverage},
                                     {"events", report.metrics.events}};
    if (at->mrr > best_mrr || (at->mrr == best_mrr && at->hit_rate > best_hit)) {
      best_mrr = at->mrr;
      best_hit = at->hit_rate;
      best = strategy;
    }
  }
  return json::object{{"sessions", held_out}, {"strategies", std::move(metrics)}};
}

}  // namespace

Status ValidateTrainOptions(const TrainOptions& options) {
  if (!(options.validation_fraction >= 0 && options.validation_fraction <= 0.5)) {
    return Status::InvalidArgument("validation fraction must be between 0 and 0.5");
  }
  if (options.threads < 1 || options.threads > 64) {
    return Status::InvalidArgument("threads must be between 1 and 64");
  }
  if (options.read.session_gap_us < 1'000'000) {
    return Status::InvalidArgument("the session gap must be at least one second");
  }
  if (options.read.max_session_clicks < 2) {
    return Status::InvalidArgument("sessions must keep at least 2 clicks");
  }
  if (options.neural) return recommend::ValidateGru4RecOptions(options.gru);
  return Status::Ok();
}

Result<TrainResult> TrainModels(Store& store, const Clock& clock, const TrainOptions& options,
                                catalog::CatalogStore* catalog) {
  RETURN_IF_ERROR(ValidateTrainOptions(options));
  const int64_t now_us = clock.NowMicros();
  Report(options, "reading events");
  TrainingReadOptions read = options.read;
  std::map<std::string, catalog::ProductMention, std::less<>> mentions;
  if (catalog != nullptr) {
    read.on_products = [&mentions](std::span<const catalog::ProductMention> products, int64_t) {
      for (const auto& product : products) mentions[product.id] = product;  // the latest wins
    };
  }
  ASSIGN_OR_RETURN(TrainingData data, ReadTrainingData(store, read, now_us));
  if (catalog != nullptr && !mentions.empty()) {
    std::vector<catalog::ProductMention> learned;
    learned.reserve(mentions.size());
    for (auto& [id, mention] : mentions) learned.push_back(std::move(mention));
    RETURN_IF_ERROR(catalog->LearnFromEvents(learned, now_us).status());
  }
  if (data.sessions.empty()) {
    return Status::InvalidArgument("no session with two viewed products to train on (" +
                                   std::to_string(data.views) + " product views of " +
                                   std::to_string(data.customers) + " customers)");
  }
  std::string best;
  ASSIGN_OR_RETURN(json::object validation, Validate(data, options, best));

  Report(options, "training");
  ModelVersionStore versions(store);
  ModelVersion version;
  ASSIGN_OR_RETURN(std::string id, versions.NewId(now_us));
  ASSIGN_OR_RETURN(std::string neural, TrainNeural(data, options));
  version.record = json::object{{"v", 1},
                                {"version", id},
                                {"createdAt", FormatTimestamp(now_us)},
                                {"strategy", best},
                                {"validation", std::move(validation)},
                                {"sessions", data.sessions.size()},
                                {"items", data.items.size()},
                                {"views", data.views},
                                {"customers", data.customers},
                                {"excludedCustomers", data.excluded_customers},
                                {"neural", options.neural},
                                {"erasures", 0}};
  version.parts["data"] = data.Serialize();
  if (!neural.empty()) version.parts["gru4rec"] = std::move(neural);
  ASSIGN_OR_RETURN(auto models,
                   ModelSet::Build(std::move(data),
                                   version.parts.count("gru4rec") ? version.parts["gru4rec"]
                                                                  : std::string_view(),
                                   id, best));
  Report(options, "storing");
  RETURN_IF_ERROR(versions.Put(version));
  RETURN_IF_ERROR(versions.Prune(kVersionsKept).status());
  return TrainResult{std::move(version), std::move(models)};
}

Result<std::shared_ptr<const ModelSet>> LoadModelSet(const ModelVersion& version) {
  auto data_part = version.parts.find("data");
  if (data_part == version.parts.end()) {
    return Status::Corruption("model version " + version.id() + " has no training data");
  }
  ASSIGN_OR_RETURN(TrainingData data, TrainingData::Deserialize(data_part->second));
  auto neural = version.parts.find("gru4rec");
  const json::value* strategy = version.record.if_contains("strategy");
  return ModelSet::Build(
      std::move(data), neural == version.parts.end() ? std::string_view() : neural->second,
      version.id(),
      strategy != nullptr && strategy->is_string() ? std::string(strategy->get_string())
                                                   : std::string("vstan"));
}

}  // namespace mercato::recserve

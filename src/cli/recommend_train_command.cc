// `mercato recommend train`: trains the shop's recommendation models from a data directory's
// stored events (recserve/trainer.h) and makes them the current version, which `mercato serve`
// loads at start. The store is opened read-write, so no server may run on the directory.

#include <boost/json.hpp>
#include <cstdio>

#include "catalog/catalog_store.h"
#include "cli/commands.h"
#include "cli/node.h"
#include "recserve/trainer.h"

namespace mercato::cli {
namespace {

namespace json = boost::json;

int Fail(const Status& status) {
  std::fprintf(stderr, "mercato recommend train: %s\n", status.ToString().c_str());
  return 1;
}

double Metric(const json::object& strategies, std::string_view strategy, std::string_view name) {
  const json::value* entry = strategies.if_contains(strategy);
  if (entry == nullptr || !entry->is_object()) return 0;
  const json::value* value = entry->get_object().if_contains(name);
  return value != nullptr && value->is_number() ? value->to_number<double>() : 0;
}

void PrintVersion(const json::object& record) {
  std::printf("version %s: %s sessions, %s items, %s customers (%s without consent)\n",
              json::value_to<std::string>(record.at("version")).c_str(),
              json::serialize(record.at("sessions")).c_str(),
              json::serialize(record.at("items")).c_str(),
              json::serialize(record.at("customers")).c_str(),
              json::serialize(record.at("excludedCustomers")).c_str());
  const json::object& validation = record.at("validation").as_object();
  if (const json::value* strategies = validation.if_contains("strategies")) {
    std::printf("validation on the newest %s sessions:\n",
                json::serialize(validation.at("sessions")).c_str());
    std::printf("  %-10s %8s %8s\n", "strategy", "HR@20", "MRR@20");
    for (const auto& [name, metrics] : strategies->as_object()) {
      std::printf("  %-10s %8.4f %8.4f\n", std::string(name).c_str(),
                  Metric(strategies->as_object(), name, "hr@20"),
                  Metric(strategies->as_object(), name, "mrr@20"));
    }
  } else {
    std::printf("validation skipped: %s\n",
                json::value_to<std::string>(validation.at("skipped")).c_str());
  }
  std::printf("default strategy: %s\n", json::value_to<std::string>(record.at("strategy")).c_str());
}

}  // namespace

int RunRecommendTrain(const RecommendTrainOptions& options) {
  const Clock& clock = SystemClock::Instance();
  auto node = OpenNode(options.data_dir, EventLogOptions{}, options.privacy, clock, nullptr);
  if (!node.ok()) return Fail(node.status());
  catalog::CatalogStore catalog(*node->store, clock);
  recserve::TrainOptions train;
  train.validation_fraction = options.validation;
  train.threads = options.threads;
  train.neural = options.neural;
  train.gru.epochs = static_cast<size_t>(options.gru_epochs);
  train.gru.max_train_seconds = options.gru_minutes * 60;
  train.gru.threads = static_cast<int>(options.threads);
  train.progress = [](std::string_view stage) {
    std::fprintf(stderr, "recommend train: %.*s\n", static_cast<int>(stage.size()), stage.data());
  };
  auto result = recserve::TrainModels(*node->store, clock, train, &catalog);
  if (!result.ok()) return Fail(result.status());
  json::object record = result->version.record;
  record.erase("parts");
  if (options.json) {
    std::printf("%s\n", json::serialize(record).c_str());
  } else {
    PrintVersion(record);
  }
  return 0;
}

}  // namespace mercato::cli

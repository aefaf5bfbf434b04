#pragma once
// ModelSet: one trained version of the shop's recommendation models, built from its
// TrainingData, immutable once built and shared by every request (std::shared_ptr<const>): the
// service swaps in a new set atomically, and requests still holding the old one finish on it.
//
// Strategies (recommend/): "popular" (views with a 7-day half-life, trending now, plus half as
// much for views within 28 days of the same day last year), "iknn",
// "sr", "sknn", "stan", "vstan", "gru4rec" (only when the version has a neural model) and
// "hybrid" (vstan 1 + sr 0.5, + gru4rec 0.25 when present). The default is the version's
// recorded choice (the best MRR@20 on the newest tenth of sessions, recserve/trainer.h).
//
// Context statistics: views per (context, item) over the sessions, turned into a lift: how much
// more often the item is viewed in that context than overall, smoothed towards 1 for contexts
// with few views (recserve/rerank.h uses it).
//
// Thread safety: const after Build; every method is safe from many threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "recommend/item/item_graph.h"
#include "recommend/model.h"
#include "recserve/training_data.h"

namespace mercato::recserve {

inline constexpr std::string_view kStrategies[] = {"popular", "iknn",  "sr",      "sknn",
                                                   "stan",    "vstan", "gru4rec", "hybrid"};

class ModelSet {
 public:
  struct ContextLift {
    float lift = 1;      // >1: viewed more in this context than overall
    uint32_t views = 0;  // views of the item in the context
  };

  // Builds every strategy. `neural` is a serialised Gru4Rec for the same item ids, or empty.
  // Corruption when `neural` cannot be read or its items do not match; InvalidArgument when the
  // data has no session.
  static Result<std::shared_ptr<const ModelSet>> Build(TrainingData data, std::string_view neural,
                                                       std::string version,
                                                       const std::string& default_strategy);
  ~ModelSet();

  // The model of a strategy; nullptr when unknown or not trained in this version.
  const recommend::SessionModel* Find(std::string_view strategy) const;
  // Strategies this version can serve.
  std::vector<std::string> Strategies() const;
  const std::string& default_strategy() const { return default_strategy_; }
  const std::string& version() const { return version_; }
  const TrainingData& data() const { return data_; }
  const recommend::ItemDictionary& items() const { return dictionary_; }
  const recommend::ItemGraph& related() const { return *iknn_; }
  const recommend::ItemGraph& next_rules() const { return *sr_; }
  // The lift of `item` in `context` ("device:mobile"): {1, 0} for an unknown context; an item
  // never viewed in a known context gets the smoothed share of no views (below 1).
  ContextLift Lift(std::string_view context, ItemId item) const;
  // Items ranked by trending popularity (the fallback of every strategy), best first.
  void Popular(size_t n, std::vector<recommend::ScoredItem>& out) const;

 private:
  ModelSet() = default;

  TrainingData data_;
  std::string version_;
  std::string default_strategy_;
  recommend::ItemDictionary dictionary_;
  std::unique_ptr<recommend::SessionModel> popular_, sknn_, stan_, vstan_, gru_, hybrid_;
  std::unique_ptr<recommend::ItemGraph> iknn_, sr_;
  struct ContextTable {
    float unseen = 1;  // the lift of an item without views in the context
    std::unordered_map<ItemId, ContextLift> items;
  };
  std::unordered_map<std::string, ContextTable> lifts_;
};

}  // namespace mercato::recserve

#include "recserve/model_set.h"

#include <algorithm>
#include <cmath>

#include "recommend/hybrid.h"
#include "recommend/knn/session_knn.h"
#include "recommend/neural/gru4rec.h"
#include "recommend/popularity.h"

namespace mercato::recserve {
namespace {

using recommend::SessionModel;

constexpr double kTrendingHalfLifeDays = 7;
// The same season last year counts half as much as what is trending now.
constexpr double kSeasonWeight = 0.5;
// Pseudo-views that pull a context's item shares towards the overall shares.
constexpr double kContextSmoothing = 50;

Result<std::unique_ptr<SessionModel>> Knn(const recommend::SessionCorpus& corpus,
                                          std::string_view preset) {
  ASSIGN_OR_RETURN(recommend::SessionKnnOptions options, recommend::SessionKnnPreset(preset));
  ASSIGN_OR_RETURN(auto model, recommend::SessionKnn::Build(corpus, options));
  return std::unique_ptr<SessionModel>(std::move(model));
}

Result<std::unique_ptr<recommend::ItemGraph>> Graph(const recommend::SessionCorpus& corpus,
                                                    std::string_view preset) {
  ASSIGN_OR_RETURN(recommend::ItemGraphOptions options, recommend::ItemGraphPreset(preset));
  return recommend::ItemGraph::Build(corpus, options);
}

}  // namespace

ModelSet::~ModelSet() = default;

Result<std::shared_ptr<const ModelSet>> ModelSet::Build(TrainingData data, std::string_view neural,
                                                        std::string version,
                                                        const std::string& default_strategy) {
  if (data.sessions.empty()) {
    return Status::InvalidArgument("no session with two viewed products to train on");
  }
  std::shared_ptr<ModelSet> set(new ModelSet());
  const recommend::SessionCorpus corpus = data.Corpus();
  set->dictionary_ = data.Dictionary();
  recommend::PopularityOptions popular;
  popular.half_life_days = kTrendingHalfLifeDays;
  popular.season_weight = kSeasonWeight;
  ASSIGN_OR_RETURN(auto popularity, recommend::Popularity::Build(corpus, popular));
  set->popular_ = std::move(popularity);
  ASSIGN_OR_RETURN(set->iknn_, Graph(corpus, "iknn"));
  ASSIGN_OR_RETURN(set->sr_, Graph(corpus, "sr"));
  ASSIGN_OR_RETURN(set->sknn_, Knn(corpus, "sknn"));
  ASSIGN_OR_RETURN(set->stan_, Knn(corpus, "stan"));
  ASSIGN_OR_RETURN(set->vstan_, Knn(corpus, "vstan"));
  std::vector<recommend::Hybrid::Member> members{{set->vstan_.get(), 1.0}, {set->sr_.get(), 0.5}};
  if (!neural.empty()) {
    ASSIGN_OR_RETURN(auto gru, recommend::Gru4Rec::Deserialize(neural));
    if (gru->item_count() != data.items.size()) {
      return Status::Corruption("the neural model's items do not match the training data");
    }
    set->gru_ = std::move(gru);
    members.push_back({set->gru_.get(), 0.25});
  }
  ASSIGN_OR_RETURN(auto hybrid, recommend::Hybrid::Build("hybrid", std::move(members)));
  set->hybrid_ = std::move(hybrid);

  // Context lifts from views per (context, item).
  std::vector<uint64_t> item_views(data.items.size(), 0);
  std::vector<uint64_t> context_views(data.contexts.size(), 0);
  std::vector<std::unordered_map<ItemId, uint32_t>> counts(data.contexts.size());
  uint64_t total = 0;
  for (const TrainingSession& session : data.sessions) {
    for (ItemId item : session.items) {
      ++item_views[item];
      ++total;
      for (uint32_t context : session.contexts) {
        ++counts[context][item];
        ++context_views[context];
      }
    }
  }
  for (size_t c = 0; c < data.contexts.size(); ++c) {
    ContextTable& table = set->lifts_[data.contexts[c]];
    table.unseen = static_cast<float>(kContextSmoothing /
                                      (static_cast<double>(context_views[c]) + kContextSmoothing));
    for (const auto& [item, views] : counts[c]) {
      const double overall = static_cast<double>(item_views[item]) / static_cast<double>(total);
      const double in_context = (views + kContextSmoothing * overall) /
                                (static_cast<double>(context_views[c]) + kContextSmoothing);
      table.items[item] = ContextLift{static_cast<float>(in_context / overall), views};
    }
  }

  set->data_ = std::move(data);
  set->version_ = std::move(version);
  set->default_strategy_ = set->Find(default_strategy) != nullptr ? default_strategy : "vstan";
  return std::shared_ptr<const ModelSet>(std::move(set));
}

const SessionModel* ModelSet::Find(std::string_view strategy) const {
  if (strategy == "popular") return popular_.get();
  if (strategy == "iknn") return iknn_.get();
  if (strategy == "sr") return sr_.get();
  if (strategy == "sknn") return sknn_.get();
  if (strategy == "stan") return stan_.get();
  if (strategy == "vstan") return vstan_.get();
  if (strategy == "gru4rec") return gru_.get();
  if (strategy == "hybrid") return hybrid_.get();
  return nullptr;
}

std::vector<std::string> ModelSet::Strategies() const {
  std::vector<std::string> out;
  for (std::string_view strategy : kStrategies) {
    if (Find(strategy) != nullptr) out.emplace_back(strategy);
  }
  return out;
}

ModelSet::ContextLift ModelSet::Lift(std::string_view context, ItemId item) const {
  auto table = lifts_.find(std::string(context));
  if (table == lifts_.end()) return {};
  auto found = table->second.items.find(item);
  return found == table->second.items.end() ? ContextLift{table->second.unseen, 0} : found->second;
}

void ModelSet::Popular(size_t n, std::vector<recommend::ScoredItem>& out) const {
  popular_->Recommend(recommend::SessionQuery{{}, data_.as_of_us / 1'000'000}, n, out);
}

}  // namespace mercato::recserve

#include "recommend/popularity.h"

#include <algorithm>
#include <cmath>

#include "recommend/top_n.h"

namespace mercato::recommend {

Result<std::unique_ptr<Popularity>> Popularity::Build(const SessionCorpus& corpus,
                                                      const PopularityOptions& options) {
  if (corpus.empty()) return Status::InvalidArgument("no training sessions");
  if (!std::isfinite(options.half_life_days) || options.half_life_days < 0 ||
      !(options.seconds_per_time_unit > 0)) {
    return Status::InvalidArgument("half-life must be >= 0 and the time unit > 0");
  }
  if (!std::isfinite(options.season_weight) || options.season_weight < 0 ||
      !std::isfinite(options.season_window_days) || options.season_window_days < 0) {
    return Status::InvalidArgument("season weight and window must be >= 0");
  }
  std::int64_t newest = corpus.Time(0);
  for (SessionIndex s = 0; s < corpus.size(); ++s) newest = std::max(newest, corpus.Time(s));
  const double half_life = options.half_life_days * 86400.0 / options.seconds_per_time_unit;
  std::vector<double> scores(corpus.item_count(), 0.0);
  std::vector<double> seasonal(options.season_weight > 0 ? corpus.item_count() : 0, 0.0);
  const double year = 365.0 * 86400.0 / options.seconds_per_time_unit;
  const double window = options.season_window_days * 86400.0 / options.seconds_per_time_unit;
  for (SessionIndex s = 0; s < corpus.size(); ++s) {
    const double age = static_cast<double>(newest - corpus.Time(s));
    const double weight = half_life > 0 ? std::exp2(-age / half_life) : 1.0;
    const bool last_year = !seasonal.empty() && std::fabs(age - year) <= window;
    for (ItemId item : corpus.Session(s)) {
      scores[item] += weight;
      if (last_year) seasonal[item] += 1;
    }
  }
  if (!seasonal.empty()) {
    const double best = *std::max_element(scores.begin(), scores.end());
    const double best_seasonal = *std::max_element(seasonal.begin(), seasonal.end());
    for (ItemId i = 0; i < scores.size(); ++i) {
      scores[i] = (best > 0 ? scores[i] / best : 0) +
                  (best_seasonal > 0 ? options.season_weight * seasonal[i] / best_seasonal : 0);
    }
  }
  auto model = std::unique_ptr<Popularity>(new Popularity());
  model->options_ = options;
  std::vector<ScoredItem> all;
  for (ItemId i = 0; i < scores.size(); ++i) {
    if (scores[i] > 0) all.push_back({i, static_cast<float>(scores[i])});
  }
  TakeTopN(all, all.size(), model->ranked_);
  return model;
}

void Popularity::Recommend(const SessionQuery& query, std::size_t n,
                           std::vector<ScoredItem>& out) const {
  out.clear();
  for (const ScoredItem& candidate : ranked_) {
    if (out.size() >= n) break;
    if (!options_.remind &&
        std::find(query.items.begin(), query.items.end(), candidate.item) != query.items.end()) {
      continue;
    }
    out.push_back(candidate);
  }
}

}  // namespace mercato::recommend

#pragma once
// Popularity with time decay: every click counts 0.5^(age / half_life), age measured from the
// newest training session. The same list for every visitor, without the items already in the
// session (unless `remind`). The fallback of every other model and a baseline in evaluations.

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "recommend/model.h"

namespace mercato::recommend {

// Score of an item: its clicks weighted by 2^(-age / half-life) (age from the newest session),
// divided by the best such score; plus, with season_weight > 0, season_weight times its clicks in
// sessions that lie within season_window_days of the same day one year before the newest session
// ("same season last year"), divided by the best such count.
struct PopularityOptions {
  double half_life_days = 0;         // 0 = plain counts
  double seconds_per_time_unit = 1;  // for the half-life and the season window
  double season_weight = 0;          // 0 = no seasonal term
  double season_window_days = 28;    // either side of the day a year before
  bool remind = false;
};

class Popularity final : public SessionModel {
 public:
  static Result<std::unique_ptr<Popularity>> Build(const SessionCorpus& corpus,
                                                   const PopularityOptions& options);
  std::string_view name() const override { return "pop"; }
  void Recommend(const SessionQuery& query, std::size_t n,
                 std::vector<ScoredItem>& out) const override;

 private:
  PopularityOptions options_;
  std::vector<ScoredItem> ranked_;  // every clicked item, best first
};

}  // namespace mercato::recommend

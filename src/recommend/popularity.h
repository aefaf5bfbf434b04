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

struct PopularityOptions {
  double half_life_days = 0;         // 0 = plain counts
  double seconds_per_time_unit = 1;  // for the half-life
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

#include "recommend/top_n.h"

#include <algorithm>
#include <cmath>

namespace mercato::recommend {

namespace {

bool Better(const ScoredItem& a, const ScoredItem& b) {
  return a.score != b.score ? a.score > b.score : a.item < b.item;
}

}  // namespace

void TakeTopN(std::vector<ScoredItem>& candidates, std::size_t n, std::vector<ScoredItem>& out) {
  out.clear();
  std::erase_if(candidates, [](const ScoredItem& c) { return !(c.score > 0.0F); });
  const std::size_t keep = std::min(n, candidates.size());
  if (keep == 0) return;
  if (keep < candidates.size()) {
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep - 1),
                     candidates.end(), Better);
    candidates.resize(keep);
  }
  std::sort(candidates.begin(), candidates.end(), Better);
  out.assign(candidates.begin(), candidates.end());
}

void ScoreBoard::Reset(std::size_t item_count) {
  if (scores_.size() != item_count) {
    scores_.assign(item_count, 0.0F);
    seen_.assign(item_count, 0);
    touched_.clear();
  }
}

void ScoreBoard::Drain(std::vector<ScoredItem>& candidates) {
  candidates.clear();
  candidates.reserve(touched_.size());
  for (ItemId item : touched_) {
    candidates.push_back({item, scores_[item]});
    scores_[item] = 0.0F;
    seen_[item] = 0;
  }
  touched_.clear();
}

}  // namespace mercato::recommend

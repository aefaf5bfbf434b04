#include "recommend/eval/metrics.h"

#include <algorithm>

namespace mercato::recommend {

const CutoffMetrics* MetricsReport::At(std::size_t k) const {
  for (const CutoffMetrics& m : at) {
    if (m.k == k) return &m;
  }
  return nullptr;
}

MetricsAccumulator::MetricsAccumulator(std::vector<std::size_t> cutoffs,
                                       std::span<const std::uint64_t> popularity)
    : cutoffs_(std::move(cutoffs)), popularity_(popularity) {
  std::erase(cutoffs_, std::size_t{0});
  std::sort(cutoffs_.begin(), cutoffs_.end());
  cutoffs_.erase(std::unique(cutoffs_.begin(), cutoffs_.end()), cutoffs_.end());
  sums_.resize(cutoffs_.size());
  shown_.assign(cutoffs_.size(), std::vector<bool>(popularity.size(), false));
  for (std::uint64_t p : popularity) max_popularity_ = std::max(max_popularity_, double(p));
}

void MetricsAccumulator::Add(std::span<const ItemId> ranked, std::span<const ItemId> rest) {
  if (rest.empty()) return;
  ++events_;
  rest_scratch_.assign(rest.begin(), rest.end());
  std::sort(rest_scratch_.begin(), rest_scratch_.end());
  rest_scratch_.erase(std::unique(rest_scratch_.begin(), rest_scratch_.end()), rest_scratch_.end());
  const double rest_size = static_cast<double>(rest_scratch_.size());
  const std::size_t depth = std::min(ranked.size(), max_cutoff());
  // Running totals after the first i entries, i = 0..depth.
  prefix_.assign(depth + 1, Prefix{});
  std::size_t next_rank = 0;  // 1-based, 0 = not in the list
  for (std::size_t i = 0; i < depth; ++i) {
    const ItemId item = ranked[i];
    Prefix p = prefix_[i];
    if (item == rest.front() && next_rank == 0) next_rank = i + 1;
    if (std::binary_search(rest_scratch_.begin(), rest_scratch_.end(), item)) {
      p.hits += 1;
      p.ap += p.hits / static_cast<double>(i + 1);
    }
    if (item < popularity_.size()) {
      p.popularity += static_cast<double>(popularity_[item]) / max_popularity_;
      for (std::size_t c = 0; c < cutoffs_.size(); ++c) {
        if (i < cutoffs_[c]) shown_[c][item] = true;
      }
    }
    prefix_[i + 1] = p;
  }
  for (std::size_t c = 0; c < cutoffs_.size(); ++c) {
    const std::size_t k = cutoffs_[c];
    const std::size_t m = std::min(k, depth);
    const Prefix& p = prefix_[m];
    Sums& s = sums_[c];
    if (next_rank != 0 && next_rank <= k) {
      s.hit += 1;
      s.rr += 1.0 / static_cast<double>(next_rank);
    }
    s.precision += p.hits / static_cast<double>(k);
    s.recall += p.hits / rest_size;
    s.ap += p.ap / rest_size;
    if (m > 0) s.popularity += p.popularity / static_cast<double>(m);
  }
}

void MetricsAccumulator::Merge(const MetricsAccumulator& other) {
  events_ += other.events_;
  for (std::size_t c = 0; c < sums_.size(); ++c) {
    sums_[c].hit += other.sums_[c].hit;
    sums_[c].rr += other.sums_[c].rr;
    sums_[c].precision += other.sums_[c].precision;
    sums_[c].recall += other.sums_[c].recall;
    sums_[c].ap += other.sums_[c].ap;
    sums_[c].popularity += other.sums_[c].popularity;
    for (std::size_t i = 0; i < shown_[c].size(); ++i) {
      if (other.shown_[c][i]) shown_[c][i] = true;
    }
  }
}

MetricsReport MetricsAccumulator::Report() const {
  MetricsReport report;
  report.events = events_;
  const double n = events_ == 0 ? 1.0 : static_cast<double>(events_);
  for (std::size_t c = 0; c < cutoffs_.size(); ++c) {
    const Sums& s = sums_[c];
    const auto shown = std::count(shown_[c].begin(), shown_[c].end(), true);
    const double catalogue = popularity_.empty() ? 1.0 : static_cast<double>(popularity_.size());
    report.at.push_back({cutoffs_[c], s.hit / n, s.rr / n, s.precision / n, s.recall / n, s.ap / n,
                         static_cast<double>(shown) / catalogue, s.popularity / n});
  }
  return report;
}

}  // namespace mercato::recommend

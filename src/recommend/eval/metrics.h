#pragma once
// Accuracy and beyond-accuracy metrics of the session-rec protocol (Ludewig et al. 2021), over a
// stream of prediction events. One event = a ranked list, the true next item and the rest of the
// session from that item on.
//
// At every cut-off k:
//   HR@k        1 if the next item is in the top k
//   MRR@k       1 / rank of the next item, 0 beyond k
//   Precision@k |top k ∩ rest| / k            (rest as a set)
//   Recall@k    |top k ∩ rest| / |rest|
//   MAP@k       sum over hits at rank i <= k of Precision@i, divided by |rest|
//   Coverage@k  distinct items ever shown in a top k / items in the catalogue
//   Popularity@k mean over events of the mean of pop(item) / max pop over the top k
// All are means over events (coverage excepted).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "recommend/session_corpus.h"

namespace mercato::recommend {

struct CutoffMetrics {
  std::size_t k = 0;
  double hit_rate = 0, mrr = 0, precision = 0, recall = 0, map = 0, coverage = 0, popularity = 0;
};

struct MetricsReport {
  std::uint64_t events = 0;
  std::vector<CutoffMetrics> at;  // one per cut-off, ascending k
  // The entry for cut-off k (nullptr when k was not measured).
  const CutoffMetrics* At(std::size_t k) const;
};

class MetricsAccumulator {
 public:
  // `popularity[i]` = training clicks on item i (its size is the catalogue size).
  MetricsAccumulator(std::vector<std::size_t> cutoffs, std::span<const std::uint64_t> popularity);

  // `ranked` best first (only the first max cut-off entries are read); `rest` starts with the
  // true next item.
  void Add(std::span<const ItemId> ranked, std::span<const ItemId> rest);
  // Adds another accumulator's events (same cut-offs and catalogue).
  void Merge(const MetricsAccumulator& other);
  MetricsReport Report() const;
  std::size_t max_cutoff() const { return cutoffs_.empty() ? 0 : cutoffs_.back(); }

 private:
  struct Sums {
    double hit = 0, rr = 0, precision = 0, recall = 0, ap = 0, popularity = 0;
  };
  std::vector<std::size_t> cutoffs_;
  std::span<const std::uint64_t> popularity_;
  double max_popularity_ = 1;
  std::uint64_t events_ = 0;
  std::vector<Sums> sums_;
  std::vector<std::vector<bool>> shown_;  // per cut-off, per item
  struct Prefix {
    double hits = 0, ap = 0, popularity = 0;
  };
  std::vector<ItemId> rest_scratch_;
  std::vector<Prefix> prefix_;
};

}  // namespace mercato::recommend

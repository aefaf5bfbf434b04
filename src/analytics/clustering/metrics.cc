#include "analytics/clustering/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analytics/clustering/random.h"
#include "analytics/clustering/worker_pool.h"

namespace mercato::analytics::clustering {
namespace {

// Indices of the rows to score: every non-noise row, or `size` of them drawn without replacement.
std::vector<size_t> SampleRows(std::span<const int32_t> labels, size_t size, uint64_t seed) {
  std::vector<size_t> rows;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= 0) rows.push_back(i);
  }
  if (rows.size() > size) {
    SeededRandom random(seed);
    for (size_t i = 0; i < size; ++i) {  // partial Fisher-Yates
      std::swap(rows[i], rows[i + random.Below(rows.size() - i)]);
    }
    rows.resize(size);
    std::sort(rows.begin(), rows.end());
  }
  return rows;
}

double Choose2(double n) { return n * (n - 1.0) / 2.0; }

}  // namespace

Result<double> SilhouetteScore(const FeatureMatrix& data, std::span<const int32_t> labels,
                               const SilhouetteOptions& options) {
  if (labels.size() != data.rows()) {
    return Status::InvalidArgument("expected one label per row (" + std::to_string(data.rows()) +
                                   "), got " + std::to_string(labels.size()));
  }
  const std::vector<size_t> sample = SampleRows(labels, options.sample_size, options.seed);
  // Dense cluster numbers within the sample.
  std::map<int32_t, size_t> dense;
  for (size_t i : sample) dense.emplace(labels[i], 0);
  size_t next = 0;
  for (auto& [label, index] : dense) index = next++;
  const size_t clusters = dense.size();
  if (clusters < 2 || clusters >= sample.size()) {
    return Status::InvalidArgument("the silhouette needs between 2 and (sampled rows - 1) = " +
                                   std::to_string(sample.size() > 0 ? sample.size() - 1 : 0) +
                                   " clusters, got " + std::to_string(clusters));
  }
  const size_t m = sample.size();
  std::vector<size_t> cluster(m);
  std::vector<double> size(clusters, 0.0);
  for (size_t s = 0; s < m; ++s) {
    cluster[s] = dense[labels[sample[s]]];
    size[cluster[s]] += 1.0;
  }
  const size_t d = data.cols();
  const RowBlocks blocks(m, 64);
  std::vector<double> partial(blocks.count(), 0.0);
  WorkerPool pool(options.threads);
  pool.ParallelFor(blocks.count(), [&](size_t b) {
    std::vector<double> distance_sum(clusters);
    double sum = 0.0;
    for (size_t s = blocks[b].begin; s < blocks[b].end; ++s) {
      std::fill(distance_sum.begin(), distance_sum.end(), 0.0);
      const double* point = data.row(sample[s]).data();
      for (size_t t = 0; t < m; ++t) {
        distance_sum[cluster[t]] +=
            std::sqrt(SquaredDistance(point, data.row(sample[t]).data(), d));
      }
      const size_t own = cluster[s];
      if (size[own] < 2.0) continue;  // alone in its cluster: 0
      const double a = distance_sum[own] / (size[own] - 1.0);
      double nearest = std::numeric_limits<double>::infinity();
      for (size_t c = 0; c < clusters; ++c) {
        if (c != own) nearest = std::min(nearest, distance_sum[c] / size[c]);
      }
      const double spread = std::max(a, nearest);
      if (spread > 0.0) sum += (nearest - a) / spread;
    }
    partial[b] = sum;
  });
  return std::accumulate(partial.begin(), partial.end(), 0.0) / static_cast<double>(m);
}

Result<double> AdjustedRandIndex(std::span<const int32_t> a, std::span<const int32_t> b) {
  if (a.size() != b.size()) {
    return Status::InvalidArgument("labellings of different sizes: " + std::to_string(a.size()) +
                                   " and " + std::to_string(b.size()));
  }
  const double n = static_cast<double>(a.size());
  std::unordered_map<int32_t, double> rows;
  std::unordered_map<int32_t, double> cols;
  std::map<std::pair<int32_t, int32_t>, double> cells;
  for (size_t i = 0; i < a.size(); ++i) {
    rows[a[i]] += 1.0;
    cols[b[i]] += 1.0;
    cells[{a[i], b[i]}] += 1.0;
  }
  double index = 0.0;
  for (const auto& [cell, count] : cells) index += Choose2(count);
  double sum_rows = 0.0;
  for (const auto& [label, count] : rows) sum_rows += Choose2(count);
  double sum_cols = 0.0;
  for (const auto& [label, count] : cols) sum_cols += Choose2(count);
  const double pairs = Choose2(n);
  const double expected = pairs > 0.0 ? sum_rows * sum_cols / pairs : 0.0;
  const double maximum = 0.5 * (sum_rows + sum_cols);
  // Both labellings a single cluster, or both all singletons: identical (scikit-learn's rule).
  if (maximum == expected) return 1.0;
  return (index - expected) / (maximum - expected);
}

}  // namespace mercato::analytics::clustering

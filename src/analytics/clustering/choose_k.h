#pragma once
// Choice of k for k-means: runs k-means for every k in a range and keeps the k whose clustering has
// the highest silhouette on a seeded sample of rows.
//
// Thread safety: reentrant; each call uses its own threads.

#include <cstddef>
#include <vector>

#include "analytics/clustering/kmeans.h"
#include "analytics/clustering/metrics.h"
#include "analytics/feature_matrix.h"
#include "core/status.h"

namespace mercato::analytics::clustering {

struct ChooseKOptions {
  size_t k_min = 2;
  size_t k_max = 10;
  // Every run uses these options with its own k (same seed, threads, limits);
  // kmeans.initial_centres must be empty.
  KMeansOptions kmeans;
  SilhouetteOptions silhouette;
};

struct KScore {
  size_t k = 0;
  double silhouette = 0.0;
  double inertia = 0.0;
  int iterations = 0;
};

struct ChooseKResult {
  size_t best_k = 0;
  std::vector<KScore> scores;  // one per k, ascending
  KMeansResult best;           // the k-means run of best_k
};

// The best k is the one with the highest silhouette; a tie goes to the smaller k. InvalidArgument
// when k_min < 2, k_max < k_min, k_max exceeds the rows minus one, or initial centres are given;
// errors of the k-means runs and of the silhouette are returned as they are.
Result<ChooseKResult> ChooseK(const FeatureMatrix& data, const ChooseKOptions& options);

}  // namespace mercato::analytics::clustering

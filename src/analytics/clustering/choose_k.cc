#include "analytics/clustering/choose_k.h"

namespace mercato::analytics::clustering {

Result<ChooseKResult> ChooseK(const FeatureMatrix& data, const ChooseKOptions& options) {
  if (options.k_min < 2 || options.k_max < options.k_min) {
    return Status::InvalidArgument("the k range must satisfy 2 <= k_min <= k_max");
  }
  if (options.k_max + 1 > data.rows()) {
    return Status::InvalidArgument("k_max must be below the row count (" +
                                   std::to_string(data.rows()) + ")");
  }
  if (!options.kmeans.initial_centres.empty()) {
    return Status::InvalidArgument("initial centres cannot be given when k varies");
  }
  ChooseKResult result;
  double best_score = -2.0;
  for (size_t k = options.k_min; k <= options.k_max; ++k) {
    KMeansOptions kmeans = options.kmeans;
    kmeans.k = k;
    ASSIGN_OR_RETURN(KMeansResult run, KMeans(data, kmeans));
    ASSIGN_OR_RETURN(double score, SilhouetteScore(data, run.labels, options.silhouette));
    result.scores.push_back({k, score, run.inertia, run.iterations});
    if (score > best_score) {
      best_score = score;
      result.best_k = k;
      result.best = std::move(run);
    }
  }
  return result;
}

}  // namespace mercato::analytics::clustering

#pragma once
// Quality measures for a clustering: the silhouette (how well rows sit in their cluster) on a
// seeded sample, and the adjusted Rand index (how much two labellings agree).
//
// Thread safety: the functions are reentrant; each call uses its own threads.

#include <cstddef>
#include <cstdint>
#include <span>

#include "analytics/feature_matrix.h"
#include "core/status.h"

namespace mercato::analytics::clustering {

struct SilhouetteOptions {
  // Rows drawn (without replacement, from `seed`) to score; all rows when there are fewer. The
  // cost is O(sample_size^2 x cols).
  size_t sample_size = 2000;
  uint64_t seed = 0;
  size_t threads = 1;  // 0: one per hardware thread
};

// The mean silhouette of the sampled rows, as scikit-learn's silhouette_score(sample_size=...):
// for a row, a = mean distance to the other sampled rows of its cluster, b = the lowest mean
// distance to the sampled rows of another cluster, s = (b - a) / max(a, b), and s = 0 for a row
// alone in its cluster within the sample. Rows labelled -1 (noise) are left out. In [-1, 1];
// higher is better. InvalidArgument when `labels` does not have one entry per row or the sample
// holds fewer than 2 clusters or as many clusters as rows.
Result<double> SilhouetteScore(const FeatureMatrix& data, std::span<const int32_t> labels,
                               const SilhouetteOptions& options);

// The adjusted Rand index of two labellings of the same rows (Hubert and Arabie, 1985): 1 when they
// are equal up to renaming the clusters, about 0 for independent labellings. Every label,
// including -1, is a cluster of its own (as scikit-learn's adjusted_rand_score treats it).
// InvalidArgument when the sizes differ.
Result<double> AdjustedRandIndex(std::span<const int32_t> a, std::span<const int32_t> b);

}  // namespace mercato::analytics::clustering

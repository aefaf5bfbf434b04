#pragma once
// DBSCAN over the rows of a FeatureMatrix (Euclidean distance), with a KD-tree (nanoflann) for the
// radius searches.
//
// Semantics are scikit-learn's DBSCAN, so that labels agree exactly with it: a row is a core row
// when at least `min_samples` rows, itself included, lie within distance `eps` (inclusive:
// distance <= eps). Core rows within eps of each other are in the same cluster. A non-core row
// within eps of a core row is a border row and joins, among the clusters of the core rows it is
// near, the one numbered first; other rows are noise (-1). Clusters are numbered 0, 1, ... in the
// order of their lowest core row, which is the order scikit-learn discovers them in, so the
// labels are scikit-learn's labels themselves (not only up to renaming).
//
// Cost: building the tree O(n log n) on one thread; then one radius search per row, on `threads`
// threads, whose results are kept (4 bytes per neighbour) when they fit in neighbour_memory_limit.
// Otherwise the neighbourhoods are searched again where needed (a search per row to count, stopping
// at min_samples, one per core row to join clusters, one per other row to find its cluster) with
// memory O(rows). The result depends neither on the thread count nor on the memory limit.
//
// Thread safety: reentrant; each call uses its own threads.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "analytics/feature_matrix.h"
#include "core/status.h"

namespace mercato::analytics::clustering {

struct DbscanOptions {
  double eps = 0.5;        // neighbourhood radius, > 0
  size_t min_samples = 5;  // neighbours (the row itself included) that make a core row, >= 1
  size_t threads = 1;      // in total, the caller included; 0: one per hardware thread
  size_t leaf_size = 32;   // rows per KD-tree leaf
  // Memory for keeping every row's neighbours from the first search (4 bytes per neighbour); when
  // they need more, the later steps search again instead (about twice the time, O(rows) memory).
  size_t neighbour_memory_limit = size_t{1} << 30;
};

struct DbscanResult {
  std::vector<int32_t> labels;  // per row: cluster number, or -1 for noise
  std::vector<bool> core;       // per row: whether it is a core row
  size_t clusters = 0;
  size_t noise = 0;                    // rows labelled -1
  bool neighbourhoods_stored = false;  // whether they fitted in neighbour_memory_limit
};

// InvalidArgument when eps is not a finite positive number, min_samples or leaf_size is 0, or the
// matrix has 2^31 rows or more; ResourceExhausted when the tree cannot be allocated. An empty
// matrix gives an empty result.
Result<DbscanResult> Dbscan(const FeatureMatrix& data, const DbscanOptions& options);

}  // namespace mercato::analytics::clustering

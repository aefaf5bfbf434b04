#pragma once
// K-means over the rows of a FeatureMatrix: k-means++ seeding and Lloyd iterations accelerated with
// Hamerly's bounds, which skip the distance computations that cannot change a row's centre and so
// give the same iterates as plain Lloyd.
//
// Semantics follow scikit-learn's KMeans (algorithm "lloyd", n_init 1) so that results can be
// compared with it: an iteration assigns every row to its nearest centre, then moves each centre
// to the mean of its rows; the run stops when no label changed, when the summed squared movement
// of the centres is at most `tolerance` x the mean per-column variance of the data, or after
// `max_iterations`; unless no label changed, a last assignment makes the labels match the final
// centres. A centre left without rows is moved onto the row farthest from its own centre (among
// clusters of two or more rows; ties to the lower row). Ties between centres go to the lower
// centre index.
//
// Determinism: the same data, options and seed give bit-identical results for any thread count
// (rows are processed in fixed blocks whose partial sums are combined in block order).
// Cost: memory O(rows + blocks x k x cols); time per iteration O(rows) plus k distances for each
// row whose bounds do not rule out a change.
//
// Thread safety: the functions are reentrant; each call uses its own threads.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "analytics/feature_matrix.h"
#include "core/status.h"

namespace mercato::analytics::clustering {

struct KMeansOptions {
  size_t k = 8;
  int max_iterations = 300;
  // Relative to the mean per-column variance of the data (scikit-learn's rule); 0 runs until no
  // label changes or max_iterations.
  double tolerance = 1e-4;
  uint64_t seed = 0;  // for k-means++
  // In total, the caller included; 0: one per hardware thread. At most one thread per 16,384 rows
  // is used (below that, handing work over costs more than it saves).
  size_t threads = 1;
  // k x cols centres, row-major, to start from instead of k-means++ (e.g. to compare with another
  // implementation from the same start).
  std::vector<double> initial_centres;
};

struct KMeansResult {
  size_t k = 0;
  size_t cols = 0;
  std::vector<double> centres;        // k x cols, row-major, in the units of the input matrix
  std::vector<int32_t> labels;        // one per row, in [0, k)
  double inertia = 0.0;               // sum over rows of the squared distance to their centre
  int iterations = 0;                 // assignment + update steps run
  bool converged = false;             // false when max_iterations stopped the run
  uint64_t distance_evaluations = 0;  // row-to-centre distances computed (work done)

  std::span<const double> centre(size_t c) const { return {centres.data() + c * cols, cols}; }
};

// Greedy k-means++ seeding as in scikit-learn (2 + ln k candidates per centre, the one that lowers
// the potential most is kept), drawn from `seed`. Returns k x cols centres, each a row of `data`.
// InvalidArgument when k is 0 or exceeds the row count.
Result<std::vector<double>> KMeansPlusPlus(const FeatureMatrix& data, size_t k, uint64_t seed,
                                           size_t threads = 1);

// Runs k-means. InvalidArgument when `data` is empty or has 2^31 rows or more, k is 0 or exceeds
// the row count, max_iterations < 1, tolerance is negative or not finite, or initial_centres is
// neither empty nor k x cols finite values.
Result<KMeansResult> KMeans(const FeatureMatrix& data, const KMeansOptions& options);

}  // namespace mercato::analytics::clustering

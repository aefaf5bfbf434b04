#include "analytics/clustering/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "analytics/clustering/random.h"
#include "analytics/clustering/worker_pool.h"

namespace mercato::analytics::clustering {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// Below this many rows per thread, handing blocks to another thread costs more than it saves.
constexpr size_t kMinRowsPerThread = 16384;

size_t UsefulThreads(size_t requested, size_t rows) {
  return std::min(ResolveThreads(requested), std::max<size_t>(1, rows / kMinRowsPerThread));
}

Status CheckShape(const FeatureMatrix& data, size_t k) {
  if (data.rows() == 0) return Status::InvalidArgument("k-means needs at least one row");
  if (data.rows() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::InvalidArgument("k-means takes fewer than 2^31 rows");
  }
  if (k == 0 || k > data.rows()) {
    return Status::InvalidArgument("k must be in [1, rows=" + std::to_string(data.rows()) +
                                   "], got " + std::to_string(k));
  }
  return Status::Ok();
}

std::vector<double> SeedCentres(const FeatureMatrix& data, size_t k, uint64_t seed,
                                WorkerPool& pool, const RowBlocks& blocks) {
  const size_t n = data.rows();
  const size_t d = data.cols();
  const double* x = data.data().data();
  SeededRandom random(seed);
  const size_t trials = 2 + static_cast<size_t>(std::log(static_cast<double>(k)));
  std::vector<double> centres(k * d);
  const size_t first = random.Below(n);
  std::copy_n(x + first * d, d, centres.begin());

  std::vector<double> closest(n);
  std::vector<double> block_potential(blocks.count());
  // Distances to the centre at `centre`, kept when nearer than the current nearest centre.
  auto absorb = [&](const double* centre) {
    pool.ParallelFor(blocks.count(), [&](size_t b) {
      double potential = 0.0;
      for (size_t i = blocks[b].begin; i < blocks[b].end; ++i) {
        closest[i] = std::min(closest[i], SquaredDistance(x + i * d, centre, d));
        potential += closest[i];
      }
      block_potential[b] = potential;
    });
  };
  std::fill(closest.begin(), closest.end(), kInfinity);
  absorb(centres.data());

  std::vector<size_t> candidates(trials);
  std::vector<double> candidate_potential(blocks.count() * trials);
  for (size_t c = 1; c < k; ++c) {
    const double potential = std::accumulate(block_potential.begin(), block_potential.end(), 0.0);
    // Each candidate is drawn with probability proportional to its squared distance: the first
    // row whose running sum of distances reaches a uniform draw over the potential.
    for (size_t t = 0; t < trials; ++t) {
      const double target = random.Uniform01() * potential;
      size_t chosen = n - 1;
      double running = 0.0;
      for (size_t b = 0; b < blocks.count(); ++b) {
        if (running + block_potential[b] < target && b + 1 < blocks.count()) {
          running += block_potential[b];
          continue;
        }
        for (size_t i = blocks[b].begin; i < blocks[b].end; ++i) {
          running += closest[i];
          if (running >= target) {
            chosen = i;
            break;
          }
        }
        break;
      }
      candidates[t] = chosen;
    }
    pool.ParallelFor(blocks.count(), [&](size_t b) {
      for (size_t t = 0; t < trials; ++t) {
        const double* candidate = x + candidates[t] * d;
        double sum = 0.0;
        for (size_t i = blocks[b].begin; i < blocks[b].end; ++i) {
          sum += std::min(closest[i], SquaredDistance(x + i * d, candidate, d));
        }
        candidate_potential[b * trials + t] = sum;
      }
    });
    size_t best = 0;
    double best_potential = kInfinity;
    for (size_t t = 0; t < trials; ++t) {
      double sum = 0.0;
      for (size_t b = 0; b < blocks.count(); ++b) sum += candidate_potential[b * trials + t];
      if (sum < best_potential) {
        best_potential = sum;
        best = t;
      }
    }
    std::copy_n(x + candidates[best] * d, d, centres.begin() + static_cast<ptrdiff_t>(c * d));
    absorb(centres.data() + c * d);
  }
  return centres;
}

// Per-block running sums of the rows assigned to each centre, kept up to date as rows move.
struct BlockState {
  std::vector<double> sums;     // k x d
  std::vector<int64_t> counts;  // k
  bool changed = false;         // a row of the block changed centre in the last assignment
  uint64_t distance_evaluations = 0;
};

// kDims > 0 fixes the column count at compile time so that the distance loops unroll; 0 reads it
// at run time.
template <size_t kDims>
class HamerlyRun {
 public:
  HamerlyRun(const FeatureMatrix& data, std::vector<double> centres, WorkerPool& pool)
      : n_(data.rows()),
        d_(data.cols()),
        k_(centres.size() / data.cols()),
        x_(data.data().data()),
        pool_(pool),
        blocks_(data.rows()),
        centres_(std::move(centres)),
        labels_(n_, -1),
        upper_(n_, 0.0),
        lower_(n_, 0.0),
        state_(blocks_.count()),
        half_gap_(k_),
        moved_(k_, 0.0) {
    for (BlockState& state : state_) {
      state.sums.assign(k_ * d_, 0.0);
      state.counts.assign(k_, 0);
    }
  }

  KMeansResult Run(int max_iterations, double tolerance) {
    const double absolute_tolerance = tolerance * MeanVariance();
    Assign(/*first=*/true);
    bool strict = false;
    bool within_tolerance = false;
    int iteration = 1;
    for (;; ++iteration) {
      const double shift = Update();
      if (iteration > 1 && !AnyChanged()) {
        strict = true;
        break;
      }
      if (shift <= absolute_tolerance) {
        within_tolerance = true;
        break;
      }
      if (iteration == max_iterations) break;
      Assign(/*first=*/false);
    }
    if (!strict) Assign(/*first=*/false);

    KMeansResult result;
    result.k = k_;
    result.cols = d_;
    result.inertia = Inertia();
    result.iterations = iteration;
    result.converged = strict || within_tolerance;
    for (const BlockState& state : state_) {
      result.distance_evaluations += state.distance_evaluations;
    }
    result.centres = std::move(centres_);
    result.labels = std::move(labels_);
    return result;
  }

 private:
  const double* row(size_t i) const { return x_ + i * dims(); }
  size_t dims() const { return kDims > 0 ? kDims : d_; }
  double Distance(const double* a, const double* b) const {
    if constexpr (kDims > 0) {
      return SquaredDistance(a, b, kDims);  // constant bound: unrolled
    } else {
      return SquaredDistance(a, b, d_);
    }
  }
  double* centre(size_t c) { return centres_.data() + c * d_; }

  // Moves row i's contribution to the block sums from its centre (if any) to centre `to`.
  void MoveSums(const double* point, int32_t from, int32_t to, BlockState& state) const {
    if (from >= 0) {
      double* sums = state.sums.data() + static_cast<size_t>(from) * d_;
      for (size_t j = 0; j < dims(); ++j) sums[j] -= point[j];
      --state.counts[static_cast<size_t>(from)];
    }
    double* sums = state.sums.data() + static_cast<size_t>(to) * d_;
    for (size_t j = 0; j < dims(); ++j) sums[j] += point[j];
    ++state.counts[static_cast<size_t>(to)];
    state.changed = true;
  }

  void Move(size_t i, int32_t to, BlockState& state) {
    MoveSums(row(i), labels_[i], to, state);
    labels_[i] = to;
  }

  // The assignment of one block. Members are copied to locals so that the compiler keeps them in
  // registers across the stores to the bounds.
  void AssignBlock(size_t b, bool first, size_t farthest, double max_moved, double second_moved) {
    BlockState& state = state_[b];
    state.changed = false;
    const size_t d = dims();
    const size_t k = k_;
    const double* const x = x_;
    const double* const centres = centres_.data();
    const double* const moved = moved_.data();
    const double* const half_gap = half_gap_.data();
    int32_t* const labels = labels_.data();
    double* const upper = upper_.data();
    double* const lower = lower_.data();
    uint64_t evaluations = 0;
    for (size_t i = blocks_[b].begin; i < blocks_[b].end; ++i) {
      const double* point = x + i * d;
      const int32_t own = labels[i];
      if (!first) {
        const auto c = static_cast<size_t>(own);
        const double u = upper[i] + moved[c];
        const double l = lower[i] - (c == farthest ? second_moved : max_moved);
        const double bound = std::max(half_gap[c], l);
        lower[i] = l;
        if (u <= bound) {
          upper[i] = u;
          continue;
        }
        const double exact = std::sqrt(Distance(point, centres + c * d));
        ++evaluations;
        upper[i] = exact;
        if (exact <= bound) continue;
      }
      // Nearest and second-nearest centre from all k distances.
      double best = kInfinity;
      double second = kInfinity;
      int32_t nearest = 0;
      for (size_t c = 0; c < k; ++c) {
        const double distance = Distance(point, centres + c * d);
        if (distance < best) {
          second = best;
          best = distance;
          nearest = static_cast<int32_t>(c);
        } else if (distance < second) {
          second = distance;
        }
      }
      evaluations += k;
      if (nearest != own) {
        MoveSums(point, own, nearest, state);
        labels[i] = nearest;
      }
      upper[i] = std::sqrt(best);
      lower[i] = std::sqrt(second);
    }
    state.distance_evaluations += evaluations;
  }

  // One assignment step. After the first, the bounds are first loosened by how far the centres
  // moved (moved_), then rows whose bounds prove their centre unchanged are skipped.
  void Assign(bool first) {
    size_t farthest = 0;
    double max_moved = 0.0;
    double second_moved = 0.0;
    for (size_t c = 0; c < k_; ++c) {
      if (moved_[c] > max_moved) {
        second_moved = max_moved;
        max_moved = moved_[c];
        farthest = c;
      } else if (moved_[c] > second_moved) {
        second_moved = moved_[c];
      }
    }
    ComputeHalfGaps();
    pool_.ParallelFor(blocks_.count(),
                      [&](size_t b) { AssignBlock(b, first, farthest, max_moved, second_moved); });
    std::fill(moved_.begin(), moved_.end(), 0.0);
  }

  // Half the distance from each centre to its nearest other centre: a row nearer than that to its
  // own centre cannot be nearer to another one.
  void ComputeHalfGaps() {
    std::fill(half_gap_.begin(), half_gap_.end(), kInfinity);
    for (size_t a = 0; a < k_; ++a) {
      for (size_t b = a + 1; b < k_; ++b) {
        const double half = 0.5 * std::sqrt(SquaredDistance(centre(a), centre(b), d_));
        half_gap_[a] = std::min(half_gap_[a], half);
        half_gap_[b] = std::min(half_gap_[b], half);
      }
    }
  }

  bool AnyChanged() const {
    return std::any_of(state_.begin(), state_.end(), [](const BlockState& s) { return s.changed; });
  }

  std::vector<int64_t> Counts() const {
    std::vector<int64_t> counts(k_, 0);
    for (const BlockState& state : state_) {
      for (size_t c = 0; c < k_; ++c) counts[c] += state.counts[c];
    }
    return counts;
  }

  // Moves each empty cluster onto the row farthest from its centre, taken from a cluster that
  // keeps at least one row.
  void RelocateEmpty(std::vector<int64_t>& counts) {
    std::vector<double> distance(n_);
    pool_.ParallelFor(blocks_.count(), [&](size_t b) {
      for (size_t i = blocks_[b].begin; i < blocks_[b].end; ++i) {
        distance[i] =
            SquaredDistance(row(i), centres_.data() + static_cast<size_t>(labels_[i]) * d_, d_);
      }
    });
    std::vector<size_t> order(n_);
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return distance[a] != distance[b] ? distance[a] > distance[b] : a < b;
    });
    size_t next = 0;
    for (size_t c = 0; c < k_; ++c) {
      if (counts[c] != 0) continue;
      while (next < n_ && counts[static_cast<size_t>(labels_[order[next]])] < 2) ++next;
      if (next == n_) return;  // fewer distinct rows than centres: the centre stays where it is
      const size_t i = order[next++];
      --counts[static_cast<size_t>(labels_[i])];
      ++counts[c];
      Move(i, static_cast<int32_t>(c), state_[blocks_.BlockOf(i)]);
      upper_[i] = 0.0;
      lower_[i] = 0.0;  // forces a full assignment next time
    }
  }

  // Moves every centre to the mean of its rows; returns the summed squared movement.
  double Update() {
    std::vector<int64_t> counts = Counts();
    if (std::find(counts.begin(), counts.end(), 0) != counts.end()) RelocateEmpty(counts);
    std::vector<double> sums(k_ * d_, 0.0);
    for (const BlockState& state : state_) {
      for (size_t v = 0; v < k_ * d_; ++v) sums[v] += state.sums[v];
    }
    double shift = 0.0;
    std::vector<double> updated(d_);
    for (size_t c = 0; c < k_; ++c) {
      if (counts[c] == 0) {
        moved_[c] = 0.0;
        continue;
      }
      for (size_t j = 0; j < d_; ++j) {
        updated[j] = sums[c * d_ + j] / static_cast<double>(counts[c]);
      }
      const double squared = SquaredDistance(updated.data(), centre(c), d_);
      shift += squared;
      moved_[c] = std::sqrt(squared);
      std::copy(updated.begin(), updated.end(), centre(c));
    }
    return shift;
  }

  double MeanVariance() {
    std::vector<double> partial(blocks_.count() * d_);
    pool_.ParallelFor(blocks_.count(), [&](size_t b) {
      double* sums = partial.data() + b * d_;
      for (size_t i = blocks_[b].begin; i < blocks_[b].end; ++i) {
        for (size_t j = 0; j < d_; ++j) sums[j] += row(i)[j];
      }
    });
    std::vector<double> mean(d_, 0.0);
    for (size_t b = 0; b < blocks_.count(); ++b) {
      for (size_t j = 0; j < d_; ++j) mean[j] += partial[b * d_ + j];
    }
    for (double& m : mean) m /= static_cast<double>(n_);
    std::fill(partial.begin(), partial.end(), 0.0);
    pool_.ParallelFor(blocks_.count(), [&](size_t b) {
      double* sums = partial.data() + b * d_;
      for (size_t i = blocks_[b].begin; i < blocks_[b].end; ++i) {
        for (size_t j = 0; j < d_; ++j) sums[j] += (row(i)[j] - mean[j]) * (row(i)[j] - mean[j]);
      }
    });
    double total = 0.0;
    for (size_t j = 0; j < d_; ++j) {
      double variance = 0.0;
      for (size_t b = 0; b < blocks_.count(); ++b) variance += partial[b * d_ + j];
      total += variance / static_cast<double>(n_);
    }
    return total / static_cast<double>(d_);
  }

  double Inertia() {
    std::vector<double> partial(blocks_.count(), 0.0);
    pool_.ParallelFor(blocks_.count(), [&](size_t b) {
      double sum = 0.0;
      for (size_t i = blocks_[b].begin; i < blocks_[b].end; ++i) {
        sum += SquaredDistance(row(i), centres_.data() + static_cast<size_t>(labels_[i]) * d_, d_);
      }
      partial[b] = sum;
    });
    return std::accumulate(partial.begin(), partial.end(), 0.0);
  }

  const size_t n_;
  const size_t d_;
  const size_t k_;
  const double* const x_;
  WorkerPool& pool_;
  const RowBlocks blocks_;
  std::vector<double> centres_;
  std::vector<int32_t> labels_;
  std::vector<double> upper_;  // >= distance of each row to its own centre
  std::vector<double> lower_;  // <= distance of each row to its second-nearest centre
  std::vector<BlockState> state_;
  std::vector<double> half_gap_;
  std::vector<double> moved_;  // how far each centre moved in the last update
};

template <size_t kDims>
KMeansResult RunWithDims(const FeatureMatrix& data, std::vector<double> centres, WorkerPool& pool,
                         const KMeansOptions& options) {
  HamerlyRun<kDims> run(data, std::move(centres), pool);
  return run.Run(options.max_iterations, options.tolerance);
}

// The run specialised for the matrix's column count when it is at most kMaxFixedDims.
constexpr size_t kMaxFixedDims = 16;
template <size_t kDims = 1>
KMeansResult RunHamerly(const FeatureMatrix& data, std::vector<double> centres, WorkerPool& pool,
                        const KMeansOptions& options) {
  if constexpr (kDims > kMaxFixedDims) {
    return RunWithDims<0>(data, std::move(centres), pool, options);
  } else {
    if (data.cols() == kDims) return RunWithDims<kDims>(data, std::move(centres), pool, options);
    return RunHamerly<kDims + 1>(data, std::move(centres), pool, options);
  }
}

}  // namespace

Result<std::vector<double>> KMeansPlusPlus(const FeatureMatrix& data, size_t k, uint64_t seed,
                                           size_t threads) {
  RETURN_IF_ERROR(CheckShape(data, k));
  WorkerPool pool(UsefulThreads(threads, data.rows()));
  return SeedCentres(data, k, seed, pool, RowBlocks(data.rows()));
}

Result<KMeansResult> KMeans(const FeatureMatrix& data, const KMeansOptions& options) {
  RETURN_IF_ERROR(CheckShape(data, options.k));
  if (options.max_iterations < 1) {
    return Status::InvalidArgument("max_iterations must be at least 1");
  }
  if (!std::isfinite(options.tolerance) || options.tolerance < 0.0) {
    return Status::InvalidArgument("tolerance must be a finite number >= 0");
  }
  const size_t values = options.k * data.cols();
  if (!options.initial_centres.empty()) {
    if (options.initial_centres.size() != values) {
      return Status::InvalidArgument(
          "initial_centres must hold k x cols = " + std::to_string(values) + " values, got " +
          std::to_string(options.initial_centres.size()));
    }
    for (double value : options.initial_centres) {
      if (!std::isfinite(value)) return Status::InvalidArgument("initial_centres must be finite");
    }
  }
  WorkerPool pool(UsefulThreads(options.threads, data.rows()));
  std::vector<double> centres =
      options.initial_centres.empty()
          ? SeedCentres(data, options.k, options.seed, pool, RowBlocks(data.rows()))
          : options.initial_centres;
  return RunHamerly(data, std::move(centres), pool, options);
}

}  // namespace mercato::analytics::clustering

#include "analytics/clustering/dbscan.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <nanoflann.hpp>
#include <new>
#include <stdexcept>

#include "analytics/clustering/worker_pool.h"

namespace mercato::analytics::clustering {
namespace {

// The rows of a FeatureMatrix as nanoflann's dataset; kDims > 0 fixes the column count at compile
// time (the tree's distance loops then unroll), 0 reads it at run time.
template <size_t kDims>
struct MatrixSource {
  const double* values;
  size_t rows;
  size_t cols;
  size_t kdtree_get_point_count() const { return rows; }
  double kdtree_get_pt(uint32_t row, size_t col) const {
    return values[row * (kDims > 0 ? kDims : cols) + col];
  }
  template <class Box>
  bool kdtree_get_bbox(Box& /*box*/) const {
    return false;
  }
};

constexpr int32_t TreeDims(size_t dims) { return dims > 0 ? static_cast<int32_t>(dims) : -1; }

template <size_t kDims>
using Tree = nanoflann::KDTreeSingleIndexAdaptor<
    nanoflann::L2_Simple_Adaptor<double, MatrixSource<kDims>, double, uint32_t>,
    MatrixSource<kDims>, TreeDims(kDims), uint32_t>;

// A nanoflann result set that hands every row within eps to `visit` (which returns false to stop
// the search). The tree's own comparison is strict, so it searches a hair beyond eps^2 and the
// inclusive test is done here, on the same column-order sum of squares scikit-learn compares.
template <typename Visit>
class RadiusVisitor {
 public:
  RadiusVisitor(double eps_squared, Visit& visit)
      : eps_squared_(eps_squared), search_bound_(eps_squared * (1.0 + 1e-9)), visit_(visit) {}
  bool addPoint(double distance, uint32_t row) { return distance > eps_squared_ || visit_(row); }
  double worstDist() const { return search_bound_; }
  bool full() const { return true; }

 private:
  double eps_squared_;
  double search_bound_;
  Visit& visit_;
};

template <typename TreeType, typename Visit>
void ForEachNeighbour(const TreeType& tree, const double* point, double eps_squared, Visit visit) {
  RadiusVisitor<Visit> visitor(eps_squared, visit);
  tree.findNeighbors(visitor, point, nanoflann::SearchParams(32, 0.0F, false));
}

// Union-find over core rows whose root is always the lowest row of its set; safe to use from many
// threads at once (lock-free: links point from a higher root to a lower one).
class ConcurrentForest {
 public:
  explicit ConcurrentForest(size_t n) : parent_(new std::atomic<uint32_t>[n]) {
    for (size_t i = 0; i < n; ++i) parent_[i].store(static_cast<uint32_t>(i));
  }
  uint32_t Find(uint32_t x) {
    while (true) {
      uint32_t parent = parent_[x].load(std::memory_order_acquire);
      if (parent == x) return x;
      const uint32_t grandparent = parent_[parent].load(std::memory_order_acquire);
      if (grandparent != parent) {  // path halving; losing the race is harmless
        parent_[x].compare_exchange_weak(parent, grandparent, std::memory_order_acq_rel);
      }
      x = grandparent;
    }
  }
  void Union(uint32_t a, uint32_t b) {
    while (true) {
      a = Find(a);
      b = Find(b);
      if (a == b) return;
      if (a < b) std::swap(a, b);  // link the higher root below the lower one
      uint32_t expected = a;
      if (parent_[a].compare_exchange_strong(expected, b, std::memory_order_acq_rel)) return;
    }
  }

 private:
  std::unique_ptr<std::atomic<uint32_t>[]> parent_;
};

// The neighbourhoods of one block of rows, kept from the first search (row i's neighbours are
// rows[offsets[i - begin]] .. rows[offsets[i - begin + 1]]).
struct BlockNeighbours {
  std::vector<size_t> offsets;
  std::vector<uint32_t> rows;
};

template <size_t kDims>
class DbscanRun {
 public:
  // `ordered` holds the rows in the tree's order; `order[k]` is the input row at position k.
  DbscanRun(const std::vector<double>& ordered, std::vector<uint32_t> order, size_t cols,
            const DbscanOptions& options, const Tree<kDims>& tree, WorkerPool& pool)
      : n_(order.size()),
        d_(cols),
        x_(ordered.data()),
        order_(std::move(order)),
        eps_squared_(options.eps * options.eps),
        options_(options),
        tree_(tree),
        pool_(pool),
        blocks_(n_, 1024, 4096),
        core_(n_, 0),
        forest_(n_) {}

  DbscanResult Run() {
    // 1. Core rows: at least min_samples rows within eps.
    stored_ = StoreNeighbourhoods();
    if (stored_) {
      pool_.ParallelFor(blocks_.count(), [&](size_t b) {
        const BlockNeighbours& block = neighbours_[b];
        for (size_t i = blocks_[b].begin; i < blocks_[b].end; ++i) {
          const size_t local = i - blocks_[b].begin;
          core_[i] = block.offsets[local + 1] - block.offsets[local] >= options_.min_samples;
        }
      });
    } else {
      neighbours_ = {};
      pool_.ParallelFor(blocks_.count(), [&](size_t b) {
        for (size_t i = blocks_[b].begin; i < blocks_[b].end; ++i) {
          size_t count = 0;  // the search stops once min_samples rows are seen
          Neighbours(i, [&](uint32_t) { return ++count < options_.min_samples; });
          core_[i] = count >= options_.min_samples ? 1 : 0;
        }
      });
    }

    // 2. Clusters: the connected components of core rows within eps of each other.
    pool_.ParallelFor(blocks_.count(), [&](size_t b) {
      for (size_t i = blocks_[b].begin; i < blocks_[b].end; ++i) {
        if (core_[i] == 0) continue;
        const auto row = static_cast<uint32_t>(i);
        Neighbours(i, [&](uint32_t j) {
          if (j < row && core_[j] != 0) forest_.Union(row, j);
          return true;
        });
      }
    });

    // Clusters are numbered in the order of their lowest core input row.
    DbscanResult result;
    std::vector<uint32_t> position(n_);
    for (size_t k = 0; k < n_; ++k) position[order_[k]] = static_cast<uint32_t>(k);
    std::vector<int32_t> label(n_, -1);  // by position
    std::vector<int32_t> cluster_of_root(n_, -1);
    for (size_t i = 0; i < n_; ++i) {
      const uint32_t k = position[i];
      if (core_[k] == 0) continue;
      const uint32_t root = forest_.Find(k);
      if (cluster_of_root[root] < 0)
        cluster_of_root[root] = static_cast<int32_t>(result.clusters++);
      label[k] = cluster_of_root[root];
    }

    // 3. Border rows join the first-numbered cluster among their core neighbours.
    pool_.ParallelFor(blocks_.count(), [&](size_t b) {
      for (size_t k = blocks_[b].begin; k < blocks_[b].end; ++k) {
        if (core_[k] != 0) continue;
        int32_t best = std::numeric_limits<int32_t>::max();
        Neighbours(k, [&](uint32_t j) {
          if (core_[j] != 0) best = std::min(best, label[j]);
          return true;
        });
        if (best != std::numeric_limits<int32_t>::max()) label[k] = best;
      }
    });

    result.labels.resize(n_);
    result.core.resize(n_);
    for (size_t i = 0; i < n_; ++i) {
      result.labels[i] = label[position[i]];
      result.core[i] = core_[position[i]] != 0;
    }
    result.noise = static_cast<size_t>(std::count(label.begin(), label.end(), -1));
    result.neighbourhoods_stored = stored_;
    return result;
  }

 private:
  const double* row(size_t i) const { return x_ + i * d_; }

  // Calls visit(j) for every row j within eps of row i (i itself included) until it returns false.
  template <typename Visit>
  void Neighbours(size_t i, Visit visit) const {
    if (!stored_) {
      ForEachNeighbour(tree_, row(i), eps_squared_, visit);
      return;
    }
    const size_t b = blocks_.BlockOf(i);
    const BlockNeighbours& block = neighbours_[b];
    const size_t local = i - blocks_[b].begin;
    for (size_t k = block.offsets[local]; k < block.offsets[local + 1]; ++k) {
      if (!visit(block.rows[k])) return;
    }
  }

  // One search per row, its results kept; false when they would exceed the memory limit (or
  // cannot be allocated), in which case the later steps search again instead.
  bool StoreNeighbourhoods() {
    const size_t limit = options_.neighbour_memory_limit;
    std::atomic<size_t> stored_bytes{0};
    std::atomic<bool> over{false};
    neighbours_.assign(blocks_.count(), {});
    pool_.ParallelFor(blocks_.count(), [&](size_t b) {
      BlockNeighbours& block = neighbours_[b];
      try {
        block.offsets.reserve(blocks_[b].end - blocks_[b].begin + 1);
        block.offsets.push_back(0);
        for (size_t i = blocks_[b].begin; i < blocks_[b].end; ++i) {
          if (over.load(std::memory_order_relaxed)) return;
          ForEachNeighbour(tree_, row(i), eps_squared_, [&](uint32_t j) {
            block.rows.push_back(j);
            return true;
          });
          block.offsets.push_back(block.rows.size());
          if (block.rows.capacity() * sizeof(uint32_t) + stored_bytes.load() > limit) {
            over.store(true);
            return;
          }
        }
        stored_bytes.fetch_add(block.rows.capacity() * sizeof(uint32_t) +
                               block.offsets.capacity() * sizeof(size_t));
      } catch (const std::bad_alloc&) {
        over.store(true);
      }
    });
    return !over.load();
  }

  const size_t n_;
  const size_t d_;
  const double* const x_;
  const std::vector<uint32_t> order_;
  const double eps_squared_;
  const DbscanOptions& options_;
  const Tree<kDims>& tree_;
  WorkerPool& pool_;
  const RowBlocks blocks_;
  std::vector<uint8_t> core_;
  ConcurrentForest forest_;
  bool stored_ = false;
  std::vector<BlockNeighbours> neighbours_;
};

template <size_t kDims>
Result<DbscanResult> Run(const FeatureMatrix& data, const DbscanOptions& options) {
  const size_t n = data.rows();
  const size_t d = data.cols();
  MatrixSource<kDims> source{data.data().data(), n, d};
  std::unique_ptr<Tree<kDims>> tree;
  std::vector<uint32_t> order;
  std::vector<double> ordered;
  try {
    tree = std::make_unique<Tree<kDims>>(
        d, source, nanoflann::KDTreeSingleIndexAdaptorParams(options.leaf_size));
    // The tree reaches rows through a permutation; a copy of the rows in that order makes every
    // leaf one contiguous run of memory and consecutive searches touch nearby rows.
    order = tree->vAcc;
    ordered.resize(n * d);
    for (size_t k = 0; k < n; ++k) {
      std::copy_n(data.data().data() + static_cast<size_t>(order[k]) * d, d,
                  ordered.data() + k * d);
      tree->vAcc[k] = static_cast<uint32_t>(k);
    }
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("not enough memory for the KD-tree of " + std::to_string(n) +
                                     " rows");
  }
  source.values = ordered.data();  // the tree holds `source` by reference
  WorkerPool pool(options.threads);
  DbscanRun<kDims> run(ordered, std::move(order), d, options, *tree, pool);
  return run.Run();
}

// The run specialised for the matrix's column count when it is at most kMaxFixedDims.
constexpr size_t kMaxFixedDims = 16;
template <size_t kDims = 1>
Result<DbscanResult> RunForDims(const FeatureMatrix& data, const DbscanOptions& options) {
  if constexpr (kDims > kMaxFixedDims) {
    return Run<0>(data, options);
  } else {
    if (data.cols() == kDims) return Run<kDims>(data, options);
    return RunForDims<kDims + 1>(data, options);
  }
}

}  // namespace

Result<DbscanResult> Dbscan(const FeatureMatrix& data, const DbscanOptions& options) {
  if (!std::isfinite(options.eps) || options.eps <= 0.0) {
    return Status::InvalidArgument("eps must be a finite number > 0");
  }
  if (options.min_samples == 0) return Status::InvalidArgument("min_samples must be at least 1");
  if (options.leaf_size == 0) return Status::InvalidArgument("leaf_size must be at least 1");
  if (data.rows() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return Status::InvalidArgument("DBSCAN takes fewer than 2^31 rows");
  }
  if (data.rows() == 0) return DbscanResult();
  return RunForDims(data, options);
}

}  // namespace mercato::analytics::clustering

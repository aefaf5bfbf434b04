// Customer clustering (src/analytics/clustering/): feature preparation, k-means (against a plain
// Lloyd reference), the choice of k, DBSCAN (against a direct transcription of scikit-learn's
// algorithm and on hand-made cases), summaries, and the comparison with scikit-learn itself on the
// RFM matrix of the UCI Online Retail data set.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analytics/clustering/choose_k.h"
#include "analytics/clustering/cluster_summary.h"
#include "analytics/clustering/dbscan.h"
#include "analytics/clustering/feature_transform.h"
#include "analytics/clustering/kmeans.h"
#include "analytics/clustering/metrics.h"
#include "analytics/clustering/random.h"
#include "analytics/clustering/worker_pool.h"
#include "analytics/clustering_rfm.h"  // tests/analytics/
#include "analytics/feature_matrix.h"
#include "support/test_support.h"

namespace mercato::analytics::clustering {
namespace {

namespace json = boost::json;

FeatureMatrix Matrix(const std::vector<std::vector<double>>& rows,
                     std::vector<std::string> columns = {}) {
  if (columns.empty()) {
    for (size_t j = 0; j < rows.front().size(); ++j) columns.push_back("x" + std::to_string(j));
  }
  auto matrix = FeatureMatrix::Create(std::move(columns));
  EXPECT_TRUE(matrix.ok());
  for (const auto& row : rows) EXPECT_TRUE(matrix->AddRow(row).ok());
  return std::move(matrix).value();
}

// `per_blob` rows around each centre (normal noise of the given spread), blobs interleaved; the
// true blob of every row goes to `truth`.
FeatureMatrix Blobs(const std::vector<std::vector<double>>& centres, size_t per_blob, double spread,
                    uint64_t seed, std::vector<int32_t>* truth = nullptr) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> noise(0.0, spread);
  std::vector<std::vector<double>> rows;
  for (size_t i = 0; i < per_blob; ++i) {
    for (size_t c = 0; c < centres.size(); ++c) {
      std::vector<double> row = centres[c];
      for (double& v : row) v += noise(engine);
      rows.push_back(std::move(row));
      if (truth != nullptr) truth->push_back(static_cast<int32_t>(c));
    }
  }
  return Matrix(rows);
}

FeatureMatrix Uniform(size_t rows, size_t cols, uint64_t seed, double grid = 0.0) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> value(0.0, 1.0);
  std::vector<std::vector<double>> out(rows, std::vector<double>(cols));
  for (auto& row : out) {
    for (double& v : row) v = grid > 0.0 ? std::round(value(engine) / grid) * grid : value(engine);
  }
  return Matrix(out);
}

// ---------------------------------------------------------------------------------------------
// Feature preparation

TEST(FeatureTransformTest, Log1pThenStandardiseAndBack) {
  const FeatureMatrix data = Matrix({{0.0, 10.0, 5.0}, {1.0, 20.0, 5.0}, {3.0, 60.0, 5.0}},
                                    {"frequency", "monetary", "constant"});
  auto transform = FeatureTransform::Fit(data, {{.log1p = true, .standardise = false},
                                                {.log1p = true, .standardise = true},
                                                {.log1p = false, .standardise = true}});
  ASSERT_TRUE(transform.ok()) << transform.status().ToString();
  auto out = transform->Apply(data);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->columns(), data.columns());
  EXPECT_DOUBLE_EQ(out->at(2, 0), std::log(4.0));  // log1p only
  double sum = 0.0;
  double squares = 0.0;
  for (size_t i = 0; i < 3; ++i) {
    sum += out->at(i, 1);
    squares += out->at(i, 1) * out->at(i, 1);
    EXPECT_DOUBLE_EQ(out->at(i, 2), 0.0);  // no spread: centred, std taken as 1
  }
  EXPECT_NEAR(sum, 0.0, 1e-12);
  EXPECT_NEAR(squares / 3.0, 1.0, 1e-12);  // population variance
  auto back = transform->Inverse(out->data());
  ASSERT_TRUE(back.ok());
  for (size_t k = 0; k < back->size(); ++k) EXPECT_NEAR((*back)[k], data.data()[k], 1e-9);
}

TEST(FeatureTransformTest, RejectsWhatItCannotTransform) {
  const FeatureMatrix data = Matrix({{-1.0}, {2.0}});
  EXPECT_EQ(FeatureTransform::Fit(data, ColumnTransform{.log1p = true}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(FeatureTransform::Fit(data, std::vector<ColumnTransform>{}).ok());
  auto transform = FeatureTransform::Fit(Matrix({{0.0}, {2.0}}), ColumnTransform{.log1p = true});
  ASSERT_TRUE(transform.ok());
  EXPECT_FALSE(transform->Apply(data).ok());                        // -1 is out of log1p
  EXPECT_FALSE(transform->Apply(Matrix({{1.0}}, {"other"})).ok());  // other columns
  auto pair = FeatureTransform::Fit(Matrix({{0.0, 1.0}, {2.0, 3.0}}), ColumnTransform{});
  ASSERT_TRUE(pair.ok());
  EXPECT_FALSE(pair->Inverse(std::vector<double>{1.0, 2.0, 3.0}).ok());  // not whole rows
}

// ---------------------------------------------------------------------------------------------
// K-means

// Plain Lloyd with scikit-learn's stopping rules: the reference the accelerated version must match.
struct LloydResult {
  std::vector<int32_t> labels;
  std::vector<double> centres;
  double inertia = 0.0;
  int iterations = 0;
};
LloydResult PlainLloyd(const FeatureMatrix& data, std::vector<double> centres, int max_iterations,
                       double tolerance) {
  const size_t n = data.rows();
  const size_t d = data.cols();
  const size_t k = centres.size() / d;
  double mean_variance = 0.0;
  for (size_t j = 0; j < d; ++j) {
    double mean = 0.0;
    for (size_t i = 0; i < n; ++i) mean += data.at(i, j);
    mean /= static_cast<double>(n);
    double variance = 0.0;
    for (size_t i = 0; i < n; ++i) variance += (data.at(i, j) - mean) * (data.at(i, j) - mean);
    mean_variance += variance / static_cast<double>(n) / static_cast<double>(d);
  }
  auto assign = [&](std::vector<int32_t>& labels) {
    for (size_t i = 0; i < n; ++i) {
      double best = INFINITY;
      for (size_t c = 0; c < k; ++c) {
        const double dist = SquaredDistance(data.row(i).data(), centres.data() + c * d, d);
        if (dist < best) {
          best = dist;
          labels[i] = static_cast<int32_t>(c);
        }
      }
    }
  };
  LloydResult out;
  out.labels.assign(n, -1);
  std::vector<int32_t> previous(n, -1);
  bool strict = false;
  int iteration = 1;
  for (;; ++iteration) {
    assign(out.labels);
    std::vector<double> sums(k * d, 0.0);
    std::vector<double> counts(k, 0.0);
    for (size_t i = 0; i < n; ++i) {
      counts[static_cast<size_t>(out.labels[i])] += 1.0;
      for (size_t j = 0; j < d; ++j)
        sums[static_cast<size_t>(out.labels[i]) * d + j] += data.at(i, j);
    }
    double shift = 0.0;
    for (size_t c = 0; c < k; ++c) {
      if (counts[c] == 0.0) continue;
      for (size_t j = 0; j < d; ++j) {
        const double updated = sums[c * d + j] / counts[c];
        shift += (updated - centres[c * d + j]) * (updated - centres[c * d + j]);
        centres[c * d + j] = updated;
      }
    }
    if (out.labels == previous) {
      strict = true;
      break;
    }
    if (shift <= tolerance * mean_variance || iteration == max_iterations) break;
    previous = out.labels;
  }
  if (!strict) assign(out.labels);
  for (size_t i = 0; i < n; ++i) {
    out.inertia += SquaredDistance(data.row(i).data(),
                                   centres.data() + static_cast<size_t>(out.labels[i]) * d, d);
  }
  out.centres = centres;
  out.iterations = iteration;
  return out;
}

TEST(KMeansTest, RecoversSeparatedBlobs) {
  std::vector<int32_t> truth;
  const std::vector<std::vector<double>> centres = {{0, 0}, {10, 0}, {0, 10}, {10, 10}};
  const FeatureMatrix data = Blobs(centres, 250, 1.0, 7, &truth);
  auto result = KMeans(data, {.k = 4, .seed = 3});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->converged);
  EXPECT_EQ(*AdjustedRandIndex(result->labels, truth), 1.0);
  for (const auto& expected : centres) {  // every true centre has a found centre near it
    double nearest = INFINITY;
    for (size_t c = 0; c < 4; ++c) {
      nearest = std::min(nearest, SquaredDistance(expected.data(), result->centre(c).data(), 2));
    }
    EXPECT_LT(nearest, 0.05);
  }
}

TEST(KMeansTest, MatchesPlainLloydFromTheSameStart) {
  // Overlapping blobs, so that rows change centre for many iterations.
  const FeatureMatrix data =
      Blobs({{0, 0, 0}, {2, 1, 0}, {1, 2, 1}, {3, 3, 3}, {0, 3, 1}}, 900, 1.2, 11);
  for (const size_t k : {2, 5, 9}) {
    auto start = KMeansPlusPlus(data, k, 42);
    ASSERT_TRUE(start.ok());
    for (const double tolerance : {0.0, 1e-4}) {
      auto result = KMeans(data, {.k = k, .tolerance = tolerance, .initial_centres = *start});
      ASSERT_TRUE(result.ok());
      const LloydResult reference = PlainLloyd(data, *start, 300, tolerance);
      SCOPED_TRACE("k=" + std::to_string(k) + " tolerance=" + std::to_string(tolerance));
      EXPECT_EQ(result->labels, reference.labels);
      EXPECT_EQ(result->iterations, reference.iterations);
      EXPECT_NEAR(result->inertia, reference.inertia, 1e-9 * reference.inertia);
      for (size_t v = 0; v < reference.centres.size(); ++v) {
        EXPECT_NEAR(result->centres[v], reference.centres[v], 1e-9);
      }
      // The bounds must have saved work: plain Lloyd computes k distances per row per pass.
      const uint64_t lloyd = static_cast<uint64_t>(reference.iterations + 1) * data.rows() * k;
      if (k > 2 && reference.iterations > 5) {
        EXPECT_LT(result->distance_evaluations, lloyd / 2);
      }
    }
  }
}

TEST(KMeansTest, SameSeedSameResultAndThreadsDoNotMatter) {
  const FeatureMatrix data = Blobs({{0, 0}, {3, 0}, {0, 3}, {3, 3}, {1.5, 1.5}}, 14000, 1.0, 5);
  // Enough rows for four threads (one per 16,384 rows) and many blocks.
  ASSERT_GT(RowBlocks(data.rows()).count(), 16U);
  auto one = KMeans(data, {.k = 6, .seed = 9, .threads = 1});
  auto again = KMeans(data, {.k = 6, .seed = 9, .threads = 1});
  auto four = KMeans(data, {.k = 6, .seed = 9, .threads = 4});
  auto other_seed = KMeans(data, {.k = 6, .seed = 10, .threads = 1});
  ASSERT_TRUE(one.ok() && again.ok() && four.ok() && other_seed.ok());
  for (const auto* run : {&*again, &*four}) {
    EXPECT_EQ(run->labels, one->labels);
    EXPECT_EQ(run->centres, one->centres);  // bit for bit
    EXPECT_EQ(run->inertia, one->inertia);
    EXPECT_EQ(run->iterations, one->iterations);
  }
  EXPECT_NE(other_seed->centres, one->centres);  // the seed is used
  auto seeds_one = KMeansPlusPlus(data, 6, 9, 1);
  auto seeds_four = KMeansPlusPlus(data, 6, 9, 4);
  ASSERT_TRUE(seeds_one.ok() && seeds_four.ok());
  EXPECT_EQ(*seeds_one, *seeds_four);
}

TEST(KMeansTest, KMeansPlusPlusPicksDistinctRows) {
  const FeatureMatrix data = Blobs({{0, 0}, {50, 0}, {0, 50}}, 30, 0.5, 1);
  auto seeds = KMeansPlusPlus(data, 3, 123);
  ASSERT_TRUE(seeds.ok());
  std::vector<int> blob_hit(3, 0);
  for (size_t c = 0; c < 3; ++c) {
    const double* centre = seeds->data() + c * 2;
    bool is_row = false;
    for (size_t i = 0; i < data.rows(); ++i) {
      is_row = is_row || (data.at(i, 0) == centre[0] && data.at(i, 1) == centre[1]);
    }
    EXPECT_TRUE(is_row);
    ++blob_hit[centre[0] > 25 ? 1 : centre[1] > 25 ? 2 : 0];
  }
  EXPECT_EQ(blob_hit, std::vector<int>({1, 1, 1}));  // far-apart blobs each get one seed
}

TEST(KMeansTest, EmptyClusterTakesTheFarthestRow) {
  // The third centre is far from every row and would stay empty.
  const FeatureMatrix data = Matrix({{0.0}, {0.1}, {0.2}, {5.0}, {5.1}, {9.0}});
  auto result = KMeans(data, {.k = 3, .initial_centres = {0.0, 5.0, 1000.0}});
  ASSERT_TRUE(result.ok());
  std::vector<int> sizes(3, 0);
  for (int32_t label : result->labels) ++sizes[static_cast<size_t>(label)];
  EXPECT_EQ(std::count(sizes.begin(), sizes.end(), 0), 0);
  EXPECT_NE(result->labels[5], result->labels[3]);  // 9.0 ends in a cluster of its own
  EXPECT_NEAR(result->inertia, 0.02 + 0.005, 1e-12);
}

TEST(KMeansTest, MoreCentresThanDistinctRows) {
  const FeatureMatrix data = Matrix({{1.0}, {1.0}, {1.0}, {2.0}});
  auto result = KMeans(data, {.k = 3, .seed = 1});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->inertia, 0.0);
}

TEST(KMeansTest, RejectsBadOptions) {
  const FeatureMatrix data = Matrix({{1.0, 2.0}, {3.0, 4.0}});
  EXPECT_EQ(KMeans(data, {.k = 0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(KMeans(data, {.k = 3}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(KMeans(data, {.k = 1, .max_iterations = 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(KMeans(data, {.k = 1, .tolerance = -1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(KMeans(data, {.k = 2, .initial_centres = {1.0, 2.0}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(KMeans(data, {.k = 1, .initial_centres = {NAN, 2.0}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(KMeans(FeatureMatrix(), {.k = 1}).status().code(), StatusCode::kInvalidArgument);
  auto one = KMeans(data, {.k = 1});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->centres, std::vector<double>({2.0, 3.0}));
  EXPECT_DOUBLE_EQ(one->inertia, 4.0);
}

// ---------------------------------------------------------------------------------------------
// Silhouette, ARI, choice of k

TEST(MetricsTest, SilhouetteByHand) {
  // Two clusters on a line: {0, 1} and {4}; for 0: a = 1, b = 4; for 1: a = 1, b = 3; 4 alone: 0.
  const FeatureMatrix data = Matrix({{0.0}, {1.0}, {4.0}, {9.0}});
  const std::vector<int32_t> labels = {0, 0, 1, -1};  // the noise row is left out
  auto score = SilhouetteScore(data, labels, {});
  ASSERT_TRUE(score.ok());
  EXPECT_DOUBLE_EQ(*score, ((4.0 - 1.0) / 4.0 + (3.0 - 1.0) / 3.0 + 0.0) / 3.0);
  EXPECT_FALSE(SilhouetteScore(data, std::vector<int32_t>{0, 0, 0, 0}, {}).ok());
  EXPECT_FALSE(SilhouetteScore(data, std::vector<int32_t>{0, 0}, {}).ok());
}

TEST(MetricsTest, SampledSilhouetteIsSeededAndThreadIndependent) {
  const FeatureMatrix data = Blobs({{0, 0}, {4, 0}, {0, 4}}, 2000, 1.0, 3);
  auto run = KMeans(data, {.k = 3, .seed = 1});
  ASSERT_TRUE(run.ok());
  auto a = SilhouetteScore(data, run->labels, {.sample_size = 500, .seed = 4, .threads = 1});
  auto b = SilhouetteScore(data, run->labels, {.sample_size = 500, .seed = 4, .threads = 3});
  auto full = SilhouetteScore(data, run->labels, {.sample_size = 100000, .threads = 2});
  ASSERT_TRUE(a.ok() && b.ok() && full.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NEAR(*a, *full, 0.05);
  EXPECT_GT(*full, 0.4);
}

TEST(MetricsTest, AdjustedRandIndexKnownValues) {
  using Labels = std::vector<int32_t>;
  // Values from scikit-learn's adjusted_rand_score documentation.
  EXPECT_DOUBLE_EQ(*AdjustedRandIndex(Labels{0, 0, 1, 1}, Labels{1, 1, 0, 0}), 1.0);
  EXPECT_NEAR(*AdjustedRandIndex(Labels{0, 0, 1, 2}, Labels{0, 0, 1, 1}), 0.5714285714285715,
              1e-12);
  EXPECT_NEAR(*AdjustedRandIndex(Labels{0, 0, 1, 1}, Labels{0, 1, 0, 1}), -0.5, 1e-12);
  EXPECT_DOUBLE_EQ(*AdjustedRandIndex(Labels{0, 0, 0}, Labels{3, 3, 3}), 1.0);
  EXPECT_FALSE(AdjustedRandIndex(Labels{0}, Labels{0, 1}).ok());
}

TEST(ChooseKTest, FindsTheNumberOfBlobs) {
  const FeatureMatrix data = Blobs({{0, 0}, {8, 0}, {0, 8}, {8, 8}}, 300, 1.0, 21);
  auto chosen = ChooseK(data, {.k_min = 2,
                               .k_max = 7,
                               .kmeans = {.seed = 2},
                               .silhouette = {.sample_size = 600, .seed = 5}});
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  EXPECT_EQ(chosen->best_k, 4U);
  ASSERT_EQ(chosen->scores.size(), 6U);
  EXPECT_EQ(chosen->best.k, 4U);
  for (size_t i = 1; i < chosen->scores.size(); ++i) {
    EXPECT_LE(chosen->scores[i].inertia, chosen->scores[i - 1].inertia * 1.05);
  }
  EXPECT_FALSE(ChooseK(data, {.k_min = 1, .k_max = 3}).ok());
  EXPECT_FALSE(ChooseK(data, {.k_min = 3, .k_max = 2}).ok());
  EXPECT_FALSE(ChooseK(data, {.kmeans = {.initial_centres = {1.0, 2.0}}}).ok());
}

// ---------------------------------------------------------------------------------------------
// DBSCAN

// scikit-learn's DBSCAN transcribed: brute-force neighbourhoods (distance <= eps), then
// dbscan_inner's depth-first expansion in row order.
std::vector<int32_t> ReferenceDbscan(const FeatureMatrix& data, double eps, size_t min_samples) {
  const size_t n = data.rows();
  std::vector<std::vector<size_t>> neighbours(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (SquaredDistance(data.row(i).data(), data.row(j).data(), data.cols()) <= eps * eps) {
        neighbours[i].push_back(j);
      }
    }
  }
  std::vector<int32_t> labels(n, -1);
  int32_t label = 0;
  for (size_t start = 0; start < n; ++start) {
    if (labels[start] != -1 || neighbours[start].size() < min_samples) continue;
    std::vector<size_t> stack;
    size_t i = start;
    while (true) {
      if (labels[i] == -1) {
        labels[i] = label;
        if (neighbours[i].size() >= min_samples) {
          for (size_t v : neighbours[i]) {
            if (labels[v] == -1) stack.push_back(v);
          }
        }
      }
      if (stack.empty()) break;
      i = stack.back();
      stack.pop_back();
    }
    ++label;
  }
  return labels;
}

TEST(DbscanTest, TwoClustersAndNoise) {
  const FeatureMatrix data =
      Matrix({{0, 0}, {0, 1}, {1, 0}, {1, 1}, {10, 10}, {10, 11}, {11, 10}, {50, 50}});
  auto result = Dbscan(data, {.eps = 1.0, .min_samples = 3});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->labels, std::vector<int32_t>({0, 0, 0, 0, 1, 1, 1, -1}));
  EXPECT_EQ(result->clusters, 2U);
  EXPECT_EQ(result->noise, 1U);
  // eps is inclusive: {10,11} and {11,10} are sqrt(2) apart, each 1 from {10,10}.
  EXPECT_EQ(result->core, std::vector<bool>({true, true, true, true, true, false, false, false}));
}

TEST(DbscanTest, BorderRowJoinsTheClusterNumberedFirst) {
  // Two clusters of four cores each (spacing 3, eps 10) and a row at distance exactly 10 from one
  // core of each: with min_samples 4 it is a border row of both.
  const std::vector<double> left = {0, 3, 6, 9};
  const std::vector<double> right = {29, 32, 35, 38};
  for (const bool right_first : {false, true}) {
    std::vector<std::vector<double>> rows;
    for (double v : right_first ? right : left) rows.push_back({v});
    rows.push_back({19});
    for (double v : right_first ? left : right) rows.push_back({v});
    const FeatureMatrix data = Matrix(rows);
    auto result = Dbscan(data, {.eps = 10.0, .min_samples = 4});
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result->labels, std::vector<int32_t>({0, 0, 0, 0, 0, 1, 1, 1, 1}));
    EXPECT_FALSE(result->core[4]);
    EXPECT_EQ(result->labels, ReferenceDbscan(data, 10.0, 4));
  }
}

TEST(DbscanTest, EdgeCases) {
  const FeatureMatrix data = Matrix({{0.0}, {5.0}, {5.5}});
  auto singletons = Dbscan(data, {.eps = 0.1, .min_samples = 1});  // every row is a core row
  ASSERT_TRUE(singletons.ok());
  EXPECT_EQ(singletons->labels, std::vector<int32_t>({0, 1, 2}));
  auto noise = Dbscan(data, {.eps = 0.1, .min_samples = 2});
  ASSERT_TRUE(noise.ok());
  EXPECT_EQ(noise->labels, std::vector<int32_t>({-1, -1, -1}));
  EXPECT_EQ(noise->clusters, 0U);
  auto empty = Dbscan(FeatureMatrix(), {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->labels.empty());
  EXPECT_FALSE(Dbscan(data, {.eps = 0.0}).ok());
  EXPECT_FALSE(Dbscan(data, {.eps = NAN}).ok());
  EXPECT_FALSE(Dbscan(data, {.eps = 1.0, .min_samples = 0}).ok());
  EXPECT_FALSE(Dbscan(data, {.eps = 1.0, .leaf_size = 0}).ok());
}

TEST(DbscanTest, MatchesReferenceOnRandomDataForAnyThreadCount) {
  // Rows on a grid, so that duplicates and distances of exactly eps occur.
  const FeatureMatrix data = Uniform(2500, 3, 17, 0.05);
  for (const double eps : {0.05, 0.0707, 0.1, 0.15}) {
    for (const size_t min_samples : {1, 3, 6, 12}) {
      const std::vector<int32_t> expected = ReferenceDbscan(data, eps, min_samples);
      for (const size_t threads : {1, 3}) {
        // A memory limit of 0 makes it search again instead of keeping the neighbourhoods.
        for (const size_t memory : {size_t{1} << 30, size_t{0}}) {
          auto result = Dbscan(data, {.eps = eps,
                                      .min_samples = min_samples,
                                      .threads = threads,
                                      .leaf_size = 8,
                                      .neighbour_memory_limit = memory});
          ASSERT_TRUE(result.ok());
          EXPECT_EQ(result->neighbourhoods_stored, memory > 0);
          ASSERT_EQ(result->labels, expected) << "eps " << eps << " min_samples " << min_samples
                                              << " threads " << threads << " memory " << memory;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Summaries

TEST(ClusterSummaryTest, SizesMeansCentresRevenue) {
  const FeatureMatrix original =
      Matrix({{1, 10}, {3, 30}, {2, 100}, {4, 0}, {100, 60}}, {"frequency", "revenue"});
  const std::vector<int32_t> labels = {0, 0, 1, 1, -1};
  auto summaries =
      SummariseClusters(original, labels, {.revenue_column = "revenue", .centres = {2, 20, 3, 50}});
  ASSERT_TRUE(summaries.ok()) << summaries.status().ToString();
  ASSERT_EQ(summaries->size(), 3U);
  const ClusterSummary& first = (*summaries)[0];
  EXPECT_EQ(first.cluster, 0);
  EXPECT_EQ(first.size, 2U);
  EXPECT_DOUBLE_EQ(first.share, 0.4);
  EXPECT_DOUBLE_EQ(first.columns[0].mean, 2.0);
  EXPECT_DOUBLE_EQ(first.columns[1].mean, 20.0);
  EXPECT_EQ(first.columns[1].centre, 20.0);
  EXPECT_DOUBLE_EQ(*first.revenue, 40.0);
  EXPECT_DOUBLE_EQ(*first.revenue_share, 0.2);
  EXPECT_EQ((*summaries)[2].cluster, -1);  // noise last, without a centre
  EXPECT_FALSE((*summaries)[2].columns[0].centre.has_value());
  EXPECT_DOUBLE_EQ(*(*summaries)[2].revenue_share, 0.3);

  const json::array rendered = SummariesToJson(*summaries);
  EXPECT_EQ(
      json::serialize(rendered[1]),
      R"({"cluster":1,"size":2,"share":4E-1,"columns":{"frequency":{"mean":3E0,"centre":3E0},)"
      R"("revenue":{"mean":5E1,"centre":5E1}},"revenue":1E2,"revenue_share":5E-1})");
  EXPECT_EQ(ClusterMembers(labels, 1), std::vector<size_t>({2, 3}));

  EXPECT_FALSE(SummariseClusters(original, labels, {.revenue_column = "margin"}).ok());
  EXPECT_FALSE(SummariseClusters(original, labels, {.centres = {1, 2}}).ok());
  EXPECT_FALSE(SummariseClusters(original, std::vector<int32_t>{0}, {}).ok());
  auto no_revenue = SummariseClusters(original, labels, {});
  ASSERT_TRUE(no_revenue.ok());
  EXPECT_FALSE((*no_revenue)[0].revenue.has_value());
}

// ---------------------------------------------------------------------------------------------
// scikit-learn on the Online Retail RFM matrix

constexpr const char* kPython = "/usr/bin/python3";

void WriteCsv(const std::filesystem::path& path, std::span<const double> values, size_t cols) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  for (size_t k = 0; k < values.size(); ++k) {
    std::fprintf(file, "%.17g%c", values[k], (k + 1) % cols == 0 ? '\n' : ',');
  }
  std::fclose(file);
}

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.17g", value);
  return text;
}

TEST(ClusteringDataSetTest, OnlineRetailRfmAgreesWithScikitLearn) {
  REQUIRE_DATA_FILE(csv, "online_retail/online_retail_I_from_spark_guide_by_day.csv");
  if (!testing::RunCommand(std::string(kPython) + " -c 'import sklearn' 2>/dev/null")) {
    const std::string message = "python3-sklearn is missing: run scripts/install-deps.sh";
    if (std::getenv("CI") != nullptr && std::string(std::getenv("CI")) == "true") FAIL() << message;
    GTEST_SKIP() << message;
  }
  std::string error;
  auto rfm = testing::BuildRetailRfm(csv, error);
  ASSERT_TRUE(rfm.has_value()) << error;
  ASSERT_GT(rfm->matrix.rows(), 4000U);
  auto transform = FeatureTransform::Fit(rfm->matrix, ColumnTransform{true, true});
  ASSERT_TRUE(transform.ok());
  auto prepared = transform->Apply(rfm->matrix);
  ASSERT_TRUE(prepared.ok());

  testing::TempDir dir;
  const auto matrix_path = dir.path() / "rfm.csv";
  WriteCsv(matrix_path, prepared->data(), 3);
  const std::string script = std::string(kPython) + " " +
                             (testing::SourceDir() / "tests/tools/sklearn_clustering.py").string();

  for (const size_t k : {3, 4, 5, 8}) {
    auto start = KMeansPlusPlus(*prepared, k, 2024);
    ASSERT_TRUE(start.ok());
    auto ours = KMeans(*prepared, {.k = k, .threads = 2, .initial_centres = *start});
    ASSERT_TRUE(ours.ok());
    const auto centres_path = dir.path() / ("centres" + std::to_string(k) + ".csv");
    WriteCsv(centres_path, *start, 3);
    auto output = testing::RunCommand(script + " kmeans " + matrix_path.string() + " --centres " +
                                      centres_path.string());
    ASSERT_TRUE(output.has_value());
    const json::object theirs = json::parse(*output).as_object();
    const double inertia = theirs.at("inertia").to_number<double>();
    const double gap = std::abs(ours->inertia - inertia) / inertia;
    std::printf(
        "k-means k=%zu: inertia %.6f (scikit-learn %.6f, relative gap %.2e), %d iterations "
        "(scikit-learn %lld)\n",
        k, ours->inertia, inertia, gap, ours->iterations,
        static_cast<long long>(theirs.at("iterations").as_int64()));
    EXPECT_LE(gap, 0.005) << "k=" << k;
  }

  // Summaries of one clustering in original units, the revenue column being "monetary".
  auto four = KMeans(*prepared, {.k = 4, .seed = 2024});
  ASSERT_TRUE(four.ok());
  auto centres = transform->Inverse(four->centres);
  ASSERT_TRUE(centres.ok());
  auto summaries = SummariseClusters(rfm->matrix, four->labels,
                                     {.revenue_column = "monetary", .centres = *centres});
  ASSERT_TRUE(summaries.ok());
  double share = 0.0;
  for (const ClusterSummary& summary : *summaries) share += *summary.revenue_share;
  EXPECT_NEAR(share, 1.0, 1e-9);
  std::printf("summaries k=4: %s\n", json::serialize(SummariesToJson(*summaries)).c_str());

  for (const auto& [eps, min_samples] :
       {std::pair{0.3, size_t{10}}, std::pair{0.2, size_t{5}}, std::pair{0.5, size_t{20}}}) {
    auto ours = Dbscan(*prepared, {.eps = eps, .min_samples = min_samples, .threads = 2});
    ASSERT_TRUE(ours.ok());
    const auto labels_path = dir.path() / "labels.txt";
    {
      std::ofstream out(labels_path);
      for (int32_t label : ours->labels) out << label << '\n';
    }
    auto output = testing::RunCommand(
        script + " dbscan " + matrix_path.string() + " --eps " + Number(eps) + " --min-samples " +
        std::to_string(min_samples) + " --labels " + labels_path.string());
    ASSERT_TRUE(output.has_value());
    const json::object theirs = json::parse(*output).as_object();
    std::vector<int32_t> labels;
    for (const json::value& v : theirs.at("labels").as_array()) {
      labels.push_back(static_cast<int32_t>(v.as_int64()));
    }
    auto ari = AdjustedRandIndex(ours->labels, labels);
    ASSERT_TRUE(ari.ok());
    std::printf(
        "DBSCAN eps=%g min_samples=%zu: %zu clusters, %zu noise; ARI %.6f (scikit-learn's "
        "own: %.6f), labels identical: %s\n",
        eps, min_samples, ours->clusters, ours->noise, *ari, theirs.at("ari").to_number<double>(),
        ours->labels == labels ? "yes" : "no");
    EXPECT_EQ(*ari, 1.0);
    EXPECT_EQ(theirs.at("ari").to_number<double>(), 1.0);
    EXPECT_EQ(ours->labels, labels);  // the same numbering, not only the same partition
    EXPECT_GE(ours->clusters, 2U);
  }
}

}  // namespace
}  // namespace mercato::analytics::clustering

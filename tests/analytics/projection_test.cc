// The 2-D PCA projection (src/analytics/clustering/projection.h): cases with known answers, the
// comparison with scikit-learn, determinism and the sign convention.

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "analytics/clustering/projection.h"
#include "analytics/feature_matrix.h"

namespace mercato::analytics::clustering {
namespace {

FeatureMatrix Matrix(const std::vector<std::vector<double>>& rows) {
  std::vector<std::string> columns;
  for (size_t col = 0; col < rows.front().size(); ++col)
    columns.push_back("c" + std::to_string(col));
  FeatureMatrix matrix = std::move(FeatureMatrix::Create(columns)).value();
  for (const auto& row : rows) EXPECT_TRUE(matrix.AddRow(row).ok());
  return matrix;
}

TEST(Pca2dTest, PointsOnALineHaveAllTheirVarianceOnTheFirstComponent) {
  std::vector<std::vector<double>> rows;
  for (int step = 0; step < 20; ++step) {
    const double t = step * 0.37 - 3.0;
    rows.push_back({1.0 + 2.0 * t, -0.5 - t, 3.0 + 2.0 * t});  // direction (2, -1, 2) / 3
  }
  auto pca = Pca2d::Fit(Matrix(rows));
  ASSERT_TRUE(pca.ok()) << pca.status().ToString();
  EXPECT_NEAR(pca->explained_variance_ratio()[0], 1.0, 1e-12);
  EXPECT_NEAR(pca->explained_variance_ratio()[1], 0.0, 1e-12);
  // The direction, signed so that its largest loading (the first of the two 2/3) is positive.
  const std::vector<double>& first = pca->components()[0];
  EXPECT_NEAR(first[0], 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(first[1], -1.0 / 3.0, 1e-12);
  EXPECT_NEAR(first[2], 2.0 / 3.0, 1e-12);
  // Each point lands at its distance along the line from the mean, and on 0 across it.
  for (int step = 0; step < 20; ++step) {
    const std::array<double, 2> point = pca->Project(Matrix(rows).row(step));
    EXPECT_NEAR(point[0], 3.0 * (step * 0.37 - 3.0 - (19 * 0.37 / 2.0 - 3.0)), 1e-9) << step;
    EXPECT_NEAR(point[1], 0.0, 1e-9) << step;
  }
}

TEST(Pca2dTest, AxisAlignedSpreadsComeOutInOrder) {
  // Independent columns with variances 1 : 9 : 4 on a grid (zero covariance exactly).
  std::vector<std::vector<double>> rows;
  for (double a : {-1.0, 1.0}) {
    for (double b : {-3.0, 3.0}) {
      for (double c : {-2.0, 2.0}) rows.push_back({a, b, c});
    }
  }
  auto pca = Pca2d::Fit(Matrix(rows));
  ASSERT_TRUE(pca.ok());
  EXPECT_NEAR(pca->explained_variance_ratio()[0], 9.0 / 14.0, 1e-12);
  EXPECT_NEAR(pca->explained_variance_ratio()[1], 4.0 / 14.0, 1e-12);
  EXPECT_EQ(pca->components()[0], (std::vector<double>{0.0, 1.0, 0.0}));
  EXPECT_EQ(pca->components()[1], (std::vector<double>{0.0, 0.0, 1.0}));
  const std::array<double, 2> point = pca->Project(std::vector<double>{1.0, -3.0, 2.0});
  EXPECT_DOUBLE_EQ(point[0], -3.0);
  EXPECT_DOUBLE_EQ(point[1], 2.0);
}

// scikit-learn 1.2.1 (Debian's python3-sklearn), PCA(n_components=2) on this matrix; its
// components re-signed by the rule of projection.h, and transform() of rows 0, 4 and 9:
//   explained_variance_ratio_ [0.8504546470492077, 0.11942545579065705]
TEST(Pca2dTest, AgreesWithScikitLearn) {
  const FeatureMatrix data = Matrix({{2.5, 2.4, 0.5, 1.0},
                                     {0.5, 0.7, 1.5, 0.0},
                                     {2.2, 2.9, 0.2, 1.5},
                                     {1.9, 2.2, 0.9, 0.5},
                                     {3.1, 3.0, -0.3, 2.0},
                                     {2.3, 2.7, 0.1, 1.0},
                                     {2.0, 1.6, 1.1, -0.5},
                                     {1.0, 1.1, 1.4, 0.5},
                                     {1.5, 1.6, 0.8, 0.0},
                                     {1.1, 0.9, 1.2, 1.0}});
  auto pca = Pca2d::Fit(data);
  ASSERT_TRUE(pca.ok());
  EXPECT_NEAR(pca->explained_variance_ratio()[0], 0.8504546470492077, 1e-12);
  EXPECT_NEAR(pca->explained_variance_ratio()[1], 0.11942545579065705, 1e-12);
  const std::vector<double> first = {0.5339526672305547, 0.5925369290125778, -0.4208642390752478,
                                     0.4320507252410687};
  const std::vector<double> second = {-0.4015615785362817, -0.26825656886701743,
                                      0.01171500855783212, 0.8755852159999241};
  for (size_t col = 0; col < 4; ++col) {
    EXPECT_NEAR(pca->components()[0][col], first[col], 1e-10) << col;
    EXPECT_NEAR(pca->components()[1][col], second[col], 1e-10) << col;
  }
  const std::vector<std::pair<size_t, std::array<double, 2>>> expected = {
      {0, {0.8893930705556261, -0.14865924518877538}},
      {4, {2.3340289448027725, 0.3156630755229036}},
      {9, {-1.0415510244386905, 0.8241123240530275}}};
  for (const auto& [row, point] : expected) {
    const std::array<double, 2> got = pca->Project(data.row(row));
    EXPECT_NEAR(got[0], point[0], 1e-10) << row;
    EXPECT_NEAR(got[1], point[1], 1e-10) << row;
  }
}

TEST(Pca2dTest, DeterministicAndSignedByTheLargestLoading) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<std::vector<double>> rows;
  for (int row = 0; row < 500; ++row) {
    const double a = noise(rng);
    const double b = noise(rng);
    rows.push_back({a, -2.0 * a + 0.3 * b, 0.5 * b, noise(rng) * 0.1, a + b});
  }
  const FeatureMatrix data = Matrix(rows);
  auto once = Pca2d::Fit(data);
  auto again = Pca2d::Fit(data);
  ASSERT_TRUE(once.ok() && again.ok());
  for (size_t rank = 0; rank < 2; ++rank) {
    EXPECT_EQ(once->components()[rank], again->components()[rank]);  // bit for bit
    const std::vector<double>& component = once->components()[rank];
    double norm = 0.0;
    size_t largest = 0;
    for (size_t col = 0; col < component.size(); ++col) {
      norm += component[col] * component[col];
      if (std::abs(component[col]) > std::abs(component[largest])) largest = col;
    }
    EXPECT_NEAR(norm, 1.0, 1e-12);
    EXPECT_GT(component[largest], 0.0);
  }
  double dot = 0.0;
  for (size_t col = 0; col < 5; ++col)
    dot += once->components()[0][col] * once->components()[1][col];
  EXPECT_NEAR(dot, 0.0, 1e-12);
  EXPECT_GT(once->explained_variance_ratio()[0], once->explained_variance_ratio()[1]);
  EXPECT_LE(once->explained_variance_ratio()[0] + once->explained_variance_ratio()[1], 1.0);
}

TEST(Pca2dTest, EdgeCases) {
  FeatureMatrix empty = std::move(FeatureMatrix::Create({"a", "b"})).value();
  EXPECT_EQ(Pca2d::Fit(empty).status().code(), StatusCode::kInvalidArgument);

  // One column: everything on the first axis, nothing on the second.
  auto single = Pca2d::Fit(Matrix({{1.0}, {3.0}, {-2.0}}));
  ASSERT_TRUE(single.ok());
  EXPECT_DOUBLE_EQ(single->explained_variance_ratio()[0], 1.0);
  EXPECT_DOUBLE_EQ(single->explained_variance_ratio()[1], 0.0);
  EXPECT_EQ(single->components()[1], std::vector<double>{0.0});
  EXPECT_NEAR(single->Project(std::vector<double>{3.0})[0], 3.0 - 2.0 / 3.0, 1e-12);

  // Identical rows: no variance anywhere, every point at the origin.
  auto flat = Pca2d::Fit(Matrix({{2.0, 5.0, 1.0}, {2.0, 5.0, 1.0}}));
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(flat->explained_variance_ratio(), (std::array<double, 2>{0.0, 0.0}));
  EXPECT_EQ(flat->Project(std::vector<double>{2.0, 5.0, 1.0}), (std::array<double, 2>{0.0, 0.0}));
}

TEST(EvenlyStridedRowsTest, EveryRowWhenFewElseAnEvenSpread) {
  EXPECT_EQ(EvenlyStridedRows(5, 2000), (std::vector<size_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(EvenlyStridedRows(0, 2000).empty());
  EXPECT_EQ(EvenlyStridedRows(10, 4), (std::vector<size_t>{0, 2, 5, 7}));
  const std::vector<size_t> rows = EvenlyStridedRows(4372, 2000);
  ASSERT_EQ(rows.size(), 2000u);
  EXPECT_EQ(rows.front(), 0u);
  for (size_t pick = 1; pick < rows.size(); ++pick) {
    const size_t gap = rows[pick] - rows[pick - 1];
    EXPECT_TRUE(gap == 2 || gap == 3) << pick << ": " << gap;  // 4372 / 2000 = 2.186
  }
  EXPECT_LT(rows.back(), 4372u);
  EXPECT_GE(rows.back(), 4372u - 3);
}

}  // namespace
}  // namespace mercato::analytics::clustering

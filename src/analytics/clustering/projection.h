#pragma once
// Pca2d: principal component analysis of a FeatureMatrix onto its first two components, to draw
// the customers of a clustering on a plane. Meant for the prepared (log1p, standardised) features
// the clustering saw, so that the picture shows the distances it used.
//
// Fit centres every column, forms the d x d sample covariance (divided by n - 1, as scikit-learn
// does; the ratios do not depend on it) and diagonalises it with cyclic Jacobi rotations, which on
// the small matrices of customer features (d of a few to a few dozen) are exact to rounding and
// deterministic: the same data always gives the same components, bit for bit. Components are
// ordered by decreasing variance (equal variances keep the order Jacobi left them in), and each is
// signed so that its loading of largest magnitude is positive (the first such one on ties), so a
// component does not flip between runs the way an SVD's sign may.
//
// Thread safety: a plain value; concurrent reads are safe.

#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "analytics/feature_matrix.h"
#include "core/status.h"

namespace mercato::analytics::clustering {

class Pca2d {
 public:
  Pca2d() = default;

  // The first two principal components of `data`'s rows. InvalidArgument when it has no rows.
  // With one column the second component is all zeros (and its ratio 0); when every row is the
  // same the components are the first two unit vectors and both ratios are 0.
  static Result<Pca2d> Fit(const FeatureMatrix& data);

  // The coordinates of one row (cols() values, in the fitted matrix's columns) on the two
  // components: (row - means) . component.
  std::array<double, 2> Project(std::span<const double> row) const;

  size_t cols() const { return means_.size(); }
  const std::vector<double>& means() const { return means_; }
  // Unit vectors of cols() loadings each (the second may be zeros, see Fit).
  const std::array<std::vector<double>, 2>& components() const { return components_; }
  // The share of the total variance along each component, in [0, 1].
  const std::array<double, 2>& explained_variance_ratio() const { return ratios_; }

 private:
  std::vector<double> means_;
  std::array<std::vector<double>, 2> components_;
  std::array<double, 2> ratios_{};
};

// Up to `max` row indices out of `rows`, evenly strided and ascending: every row when rows <= max,
// else floor(i * rows / max) for i in [0, max) (the first row always, never one twice). The same
// arguments always give the same rows.
std::vector<size_t> EvenlyStridedRows(size_t rows, size_t max);

}  // namespace mercato::analytics::clustering

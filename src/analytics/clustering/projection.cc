#include "analytics/clustering/projection.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mercato::analytics::clustering {
namespace {

// A symmetric d x d matrix, row-major.
using Square = std::vector<double>;

// Diagonalises the symmetric `a` in place by cyclic Jacobi rotations: on return its diagonal holds
// the eigenvalues and the columns of `vectors` (row-major d x d) the matching unit eigenvectors.
// Each rotation zeroes one off-diagonal entry; sweeps over every pair converge quadratically, so
// a few sweeps reach rounding level for the matrix sizes this is for.
void Jacobi(Square& a, Square& vectors, size_t d) {
  constexpr int kMaxSweeps = 100;
  vectors.assign(d * d, 0.0);
  for (size_t k = 0; k < d; ++k) vectors[k * d + k] = 1.0;
  double scale = 0.0;
  for (double value : a) scale += value * value;
  if (scale == 0.0) return;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    double off = 0.0;
    for (size_t p = 0; p < d; ++p) {
      for (size_t q = p + 1; q < d; ++q) off += a[p * d + q] * a[p * d + q];
    }
    if (off <= scale * 1e-32) return;
    for (size_t p = 0; p < d; ++p) {
      for (size_t q = p + 1; q < d; ++q) {
        const double apq = a[p * d + q];
        if (apq == 0.0) continue;
        // The rotation angle that zeroes a[p][q], by the smaller root for stability.
        const double theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
        const double t =
            (theta >= 0.0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0);
        const double s = t * c;
        for (size_t k = 0; k < d; ++k) {  // columns p and q: A J
          const double akp = a[k * d + p];
          const double akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (size_t k = 0; k < d; ++k) {  // rows p and q: J^T (A J)
          const double apk = a[p * d + k];
          const double aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (size_t k = 0; k < d; ++k) {  // V J
          const double vkp = vectors[k * d + p];
          const double vkq = vectors[k * d + q];
          vectors[k * d + p] = c * vkp - s * vkq;
          vectors[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
}

// Signs `component` so that its loading of largest magnitude (the first on ties) is positive.
void FixSign(std::vector<double>& component) {
  size_t largest = 0;
  for (size_t k = 1; k < component.size(); ++k) {
    if (std::abs(component[k]) > std::abs(component[largest])) largest = k;
  }
  if (!component.empty() && component[largest] < 0.0) {
    for (double& loading : component) loading = -loading;
  }
}

}  // namespace

Result<Pca2d> Pca2d::Fit(const FeatureMatrix& data) {
  const size_t n = data.rows();
  const size_t d = data.cols();
  if (n == 0 || d == 0) return Status::InvalidArgument("PCA needs at least one row");
  Pca2d pca;
  pca.means_.assign(d, 0.0);
  for (size_t row = 0; row < n; ++row) {
    for (size_t col = 0; col < d; ++col) pca.means_[col] += data.at(row, col);
  }
  for (double& mean : pca.means_) mean /= static_cast<double>(n);
  Square covariance(d * d, 0.0);
  std::vector<double> centred(d);
  for (size_t row = 0; row < n; ++row) {
    for (size_t col = 0; col < d; ++col) centred[col] = data.at(row, col) - pca.means_[col];
    for (size_t p = 0; p < d; ++p) {
      for (size_t q = p; q < d; ++q) covariance[p * d + q] += centred[p] * centred[q];
    }
  }
  const double divisor = n > 1 ? static_cast<double>(n - 1) : 1.0;
  for (size_t p = 0; p < d; ++p) {
    for (size_t q = p; q < d; ++q) {
      covariance[p * d + q] /= divisor;
      covariance[q * d + p] = covariance[p * d + q];
    }
  }
  Square vectors;
  Jacobi(covariance, vectors, d);
  std::vector<size_t> order(d);
  std::iota(order.begin(), order.end(), 0);
  // Rounding can leave a zero eigenvalue slightly negative: it is no variance at all.
  auto variance = [&](size_t k) { return std::max(0.0, covariance[k * d + k]); };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return variance(a) > variance(b); });
  double total = 0.0;
  for (size_t k = 0; k < d; ++k) total += variance(k);
  for (size_t rank = 0; rank < 2; ++rank) {
    std::vector<double>& component = pca.components_[rank];
    component.assign(d, 0.0);
    if (rank >= d) continue;  // one column: no second direction
    for (size_t k = 0; k < d; ++k) component[k] = vectors[k * d + order[rank]];
    FixSign(component);
    pca.ratios_[rank] = total > 0.0 ? variance(order[rank]) / total : 0.0;
  }
  return pca;
}

std::array<double, 2> Pca2d::Project(std::span<const double> row) const {
  std::array<double, 2> point{};
  for (size_t rank = 0; rank < 2; ++rank) {
    for (size_t k = 0; k < means_.size() && k < row.size(); ++k) {
      point[rank] += (row[k] - means_[k]) * components_[rank][k];
    }
  }
  return point;
}

std::vector<size_t> EvenlyStridedRows(size_t rows, size_t max) {
  const size_t picked = std::min(rows, max);
  std::vector<size_t> out;
  out.reserve(picked);
  for (size_t pick = 0; pick < picked; ++pick) {
    // 128 bits: pick * rows overflows 64 bits only for absurd sizes, but must never wrap.
    out.push_back(static_cast<size_t>(static_cast<unsigned __int128>(pick) * rows / picked));
  }
  return out;
}

}  // namespace mercato::analytics::clustering

#pragma once
// FeatureTransform: per-column preparation of a FeatureMatrix for clustering (log1p, then
// z-scores), with the fitted means and standard deviations kept so that results can be reported
// back in the columns' original units.
//
// A column's transform is x -> log(1 + x) when `log1p` is set (x must be > -1), then
// (x - mean) / std when `standardise` is set, with the mean and the population standard deviation
// (ddof 0) of the column after log1p, as learnt by Fit. A column with zero spread is centred only
// (std taken as 1), as scikit-learn's StandardScaler does.
//
// Thread safety: a plain value; concurrent reads are safe.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "analytics/feature_matrix.h"
#include "core/status.h"

namespace mercato::analytics::clustering {

struct ColumnTransform {
  bool log1p = false;
  bool standardise = false;
};

class FeatureTransform {
 public:
  FeatureTransform() = default;

  // Learns the transform of `data`, one ColumnTransform per column in column order. InvalidArgument
  // when `transforms` does not have one entry per column, when `data` has no rows, or when a log1p
  // column holds a value <= -1.
  static Result<FeatureTransform> Fit(const FeatureMatrix& data,
                                      std::vector<ColumnTransform> transforms);
  // The same transform for every column.
  static Result<FeatureTransform> Fit(const FeatureMatrix& data, ColumnTransform all);

  // The transformed copy of `data` (same column names). InvalidArgument when its columns differ
  // from those seen by Fit or a log1p column holds a value <= -1.
  Result<FeatureMatrix> Apply(const FeatureMatrix& data) const;

  // Maps points of the transformed space (`values`: any number of rows of cols() values, row-major)
  // back to original units: un-standardise, then expm1. InvalidArgument when the size is not a
  // multiple of cols(). Note that for a log1p column the image of a centroid is a geometric-type
  // mean of its members, not their arithmetic mean.
  Result<std::vector<double>> Inverse(std::span<const double> values) const;

  size_t cols() const { return columns_.size(); }
  const std::vector<std::string>& columns() const { return columns_; }
  const std::vector<ColumnTransform>& transforms() const { return transforms_; }
  // Per column, after log1p; 0 and 1 for columns that are not standardised.
  const std::vector<double>& means() const { return means_; }
  const std::vector<double>& stds() const { return stds_; }

 private:
  std::vector<std::string> columns_;
  std::vector<ColumnTransform> transforms_;
  std::vector<double> means_;
  std::vector<double> stds_;
};

}  // namespace mercato::analytics::clustering

#include "analytics/clustering/feature_transform.h"

#include <cmath>

namespace mercato::analytics::clustering {
namespace {

Status Log1pDomainError(const std::string& column, size_t row, double value) {
  return Status::InvalidArgument("column '" + column + "' row " + std::to_string(row) +
                                 ": log1p needs a value > -1, got " + std::to_string(value));
}

}  // namespace

Result<FeatureTransform> FeatureTransform::Fit(const FeatureMatrix& data, ColumnTransform all) {
  return Fit(data, std::vector<ColumnTransform>(data.cols(), all));
}

Result<FeatureTransform> FeatureTransform::Fit(const FeatureMatrix& data,
                                               std::vector<ColumnTransform> transforms) {
  if (transforms.size() != data.cols()) {
    return Status::InvalidArgument("expected one transform per column (" +
                                   std::to_string(data.cols()) + "), got " +
                                   std::to_string(transforms.size()));
  }
  if (data.rows() == 0) return Status::InvalidArgument("cannot fit a transform on no rows");
  FeatureTransform transform;
  transform.columns_ = data.columns();
  transform.transforms_ = std::move(transforms);
  transform.means_.assign(data.cols(), 0.0);
  transform.stds_.assign(data.cols(), 1.0);
  const size_t rows = data.rows();
  for (size_t j = 0; j < data.cols(); ++j) {
    const ColumnTransform& spec = transform.transforms_[j];
    if (spec.log1p) {
      for (size_t i = 0; i < rows; ++i) {
        if (!(data.at(i, j) > -1.0)) return Log1pDomainError(data.columns()[j], i, data.at(i, j));
      }
    }
    if (!spec.standardise) continue;
    auto value = [&](size_t i) { return spec.log1p ? std::log1p(data.at(i, j)) : data.at(i, j); };
    double sum = 0.0;
    for (size_t i = 0; i < rows; ++i) sum += value(i);
    const double mean = sum / static_cast<double>(rows);
    double squares = 0.0;
    for (size_t i = 0; i < rows; ++i) squares += (value(i) - mean) * (value(i) - mean);
    const double std = std::sqrt(squares / static_cast<double>(rows));
    transform.means_[j] = mean;
    transform.stds_[j] = std > 0.0 ? std : 1.0;
  }
  return transform;
}

Result<FeatureMatrix> FeatureTransform::Apply(const FeatureMatrix& data) const {
  if (data.columns() != columns_) {
    return Status::InvalidArgument(
        "the matrix's columns differ from those the transform was fit on");
  }
  FeatureMatrix out = data;
  std::vector<double>& values = out.mutable_data();
  const size_t cols = columns_.size();
  for (size_t i = 0; i < data.rows(); ++i) {
    for (size_t j = 0; j < cols; ++j) {
      double& x = values[i * cols + j];
      if (transforms_[j].log1p) {
        if (!(x > -1.0)) return Log1pDomainError(columns_[j], i, x);
        x = std::log1p(x);
      }
      if (transforms_[j].standardise) x = (x - means_[j]) / stds_[j];
    }
  }
  return out;
}

Result<std::vector<double>> FeatureTransform::Inverse(std::span<const double> values) const {
  const size_t cols = columns_.size();
  if (cols == 0 || values.size() % cols != 0) {
    return Status::InvalidArgument("expected rows of " + std::to_string(cols) + " values, got " +
                                   std::to_string(values.size()) + " values");
  }
  std::vector<double> out(values.begin(), values.end());
  for (size_t k = 0; k < out.size(); ++k) {
    const size_t j = k % cols;
    if (transforms_[j].standardise) out[k] = out[k] * stds_[j] + means_[j];
    if (transforms_[j].log1p) out[k] = std::expm1(out[k]);
  }
  return out;
}

}  // namespace mercato::analytics::clustering

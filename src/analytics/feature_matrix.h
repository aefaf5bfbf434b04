#pragma once
// FeatureMatrix: n rows (customers) by d columns (features) of doubles, row-major and contiguous,
// the input of the clustering models. Columns have names so that summaries can speak in them.
//
// Thread safety: a plain value; concurrent reads are safe.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace mercato::analytics {

class FeatureMatrix {
 public:
  FeatureMatrix() = default;
  // InvalidArgument when `columns` is empty.
  static Result<FeatureMatrix> Create(std::vector<std::string> columns);

  // Appends one row; InvalidArgument when its size differs from the column count or a value is not
  // finite.
  Status AddRow(std::span<const double> values);

  size_t rows() const { return columns_.empty() ? 0 : data_.size() / columns_.size(); }
  size_t cols() const { return columns_.size(); }
  const std::vector<std::string>& columns() const { return columns_; }
  std::span<const double> row(size_t i) const { return {data_.data() + i * cols(), cols()}; }
  double at(size_t i, size_t j) const { return data_[i * cols() + j]; }
  const std::vector<double>& data() const { return data_; }
  std::vector<double>& mutable_data() { return data_; }

 private:
  std::vector<std::string> columns_;
  std::vector<double> data_;
};

}  // namespace mercato::analytics

#include "analytics/feature_matrix.h"

#include <cmath>

namespace mercato::analytics {

Result<FeatureMatrix> FeatureMatrix::Create(std::vector<std::string> columns) {
  if (columns.empty()) return Status::InvalidArgument("a feature matrix needs at least one column");
  FeatureMatrix matrix;
  matrix.columns_ = std::move(columns);
  return matrix;
}

Status FeatureMatrix::AddRow(std::span<const double> values) {
  if (values.size() != columns_.size()) {
    return Status::InvalidArgument("row has " + std::to_string(values.size()) +
                                   " values; the matrix has " + std::to_string(columns_.size()) +
                                   " columns");
  }
  for (size_t j = 0; j < values.size(); ++j) {
    if (!std::isfinite(values[j])) {
      return Status::InvalidArgument("column '" + columns_[j] + "' has a value that is not finite");
    }
  }
  data_.insert(data_.end(), values.begin(), values.end());
  return Status::Ok();
}

}  // namespace mercato::analytics

#pragma once
// ChurnModel: gradient-boosted trees (XGBoost, binary:logistic) that predict the probability that
// a customer makes no purchase in the horizon after a cutoff, from the features of
// churn_features.h. The prediction is the churn_probability profile feature.
//
// Determinism: training is a pure function of the examples (their order included) and the options;
// the same inputs with the same seed and nthread give the same model bytes and predictions.
// Row subsampling draws from `seed`.
//
// Storage: Serialize() writes a self-describing byte string — the magic "MRCHURN1", the feature
// count (4 bytes, big-endian) and the booster in XGBoost's UBJSON model format — for the models
// column family; Deserialize() reads it back and refuses a model built for a different feature
// list.
//
// Thread safety: a ChurnModel may be shared between threads; its methods serialise on an internal
// mutex (the XGBoost booster keeps per-call buffers). Move-only; a moved-from model may only be
// destroyed or assigned to.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/customer/churn_features.h"
#include "core/status.h"

namespace mercato::analytics::customer {

// Defaults: shallow trees, chosen on a validation split of Online Retail (evaluation cutoff
// 2011-06-12, training cutoffs before it), where deeper trees overfitted (docs/analytics.md).
struct ChurnModelOptions {
  int rounds = 300;  // boosting iterations (trees)
  int max_depth = 2;
  double learning_rate = 0.05;
  double min_child_weight = 20;   // minimum sum of p (1 - p) in a leaf: 80 rows at p = 0.5
  double subsample = 0.8;         // fraction of rows per tree, drawn from `seed`
  double colsample_bytree = 0.8;  // fraction of features per tree
  double lambda = 1;              // L2 regularisation of leaf weights
  uint64_t seed = 42;
  int nthread = 1;  // XGBoost's OpenMP threads for training and prediction
};

class ChurnModel {
 public:
  ChurnModel(ChurnModel&& other) noexcept;
  ChurnModel& operator=(ChurnModel&& other) noexcept;
  ChurnModel(const ChurnModel&) = delete;
  ChurnModel& operator=(const ChurnModel&) = delete;
  ~ChurnModel();

  // Trains on labelled examples. InvalidArgument when they are unlabelled, empty, inconsistent
  // (feature or label count, a label other than 0 or 1), hold only one class, or the options are
  // out of range (rounds < 1, depth < 1, rates outside (0, 1], nthread < 1); Internal when
  // XGBoost fails (its message is included).
  static Result<ChurnModel> Train(const ChurnExamples& examples,
                                  const ChurnModelOptions& options = {});

  // P(churn) in [0, 1] for every row of `examples` (labels are ignored), in row order. An empty
  // input gives an empty output; InvalidArgument when the feature count does not match the rows;
  // Internal when XGBoost fails.
  Result<std::vector<double>> Predict(const ChurnExamples& examples) const;

  // The model as bytes (format above). Internal when XGBoost fails.
  Result<std::string> Serialize() const;
  // Reads Serialize()'s output. Corruption when the bytes are not such a model; FailedPrecondition
  // when it was trained on a different number of features. `nthread` as in the options.
  static Result<ChurnModel> Deserialize(std::string_view bytes, int nthread = 1);

 private:
  struct Impl;
  explicit ChurnModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mercato::analytics::customer

#pragma once
// RunRequest: a model run's kind and validated parameters (docs/analytics.md, "Model runs").
// Parameters arrive as a JSON object (the HTTP body's "params", or built from CLI flags) and are
// checked here once for every entry point: an unknown name, a wrong type or a value out of range is
// InvalidArgument naming the parameter.
//
//   every kind: as_of (ISO-8601; default: the clock's now): the reference time; only transactions
//               before it count.
//   rfm:        -
//   cluster:    algorithm ("kmeans" | "dbscan", default kmeans); k (2..50; default: chosen by
//               silhouette in k_min..k_max, default 2..8); seed (>= 0, default 42); sample_size
//               (silhouette sample, 100..100000, default 2000); eps (> 0, default 0.5) and
//               min_samples (1..10000, default 5) for dbscan.
//   cohorts:    metric of the SVG heatmap ("retention" | "revenue", default retention).
//   predict:    horizon_days (churn label window, 7..365, default 90); training_cutoffs (1..12,
//               default 3) every cutoff_step_days (7..365, default 30); clv_months (1..120,
//               default 12); monthly_discount_rate (0..1, default 0.01); min_customers (>= 10,
//               default 50) and min_repeat_buyers (>= 5, default 20): below these the run fails.
//
// Thread safety: plain values and pure functions.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato::scoring {

enum class RunKind { kRfm, kCluster, kCohorts, kPredict };

std::string_view RunKindName(RunKind kind);  // "rfm", "cluster", "cohorts", "predict"
// InvalidArgument listing the kinds for another name.
Result<RunKind> ParseRunKind(std::string_view name);

struct ClusterParams {
  bool dbscan = false;
  std::optional<int64_t> k;  // k-means: fixed k, else chosen in [k_min, k_max]
  int64_t k_min = 2;
  int64_t k_max = 8;
  uint64_t seed = 42;
  int64_t sample_size = 2000;
  double eps = 0.5;
  int64_t min_samples = 5;
};

struct CohortParams {
  bool revenue_heatmap = false;
};

struct PredictParams {
  int64_t horizon_days = 90;
  int64_t training_cutoffs = 3;
  int64_t cutoff_step_days = 30;
  int64_t clv_months = 12;
  double monthly_discount_rate = 0.01;
  int64_t min_customers = 50;
  int64_t min_repeat_buyers = 20;
};

struct RunRequest {
  RunKind kind = RunKind::kRfm;
  int64_t as_of_us = 0;
  ClusterParams cluster;
  CohortParams cohorts;
  PredictParams predict;

  // Every parameter of the kind with its effective value (defaults filled in), for the run record.
  boost::json::object EffectiveParams() const;
};

// Validates `params` for `kind`; `now_us` is the default as_of.
Result<RunRequest> ParseRunRequest(RunKind kind, const boost::json::object& params, int64_t now_us);

}  // namespace mercato::scoring

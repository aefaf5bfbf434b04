#pragma once
// Churn examples: one feature row per customer at a cutoff time, optionally with its label.
//
// Population at a cutoff T: every customer with at least one purchase before T (vocabulary of
// transactions.h). Features see only transactions before T. The label is 1 (churned) when the
// customer makes no purchase in [T, T + horizon), 0 otherwise; it is only defined when the whole
// label window has been observed, which BuildChurnExamples checks against `observed_until_us`.
//
// Features (ChurnFeatureNames(), in this order; days are fractional; money in currency units;
// NaN = missing, which the gradient-boosted trees route on their own):
//   recency_days              T - last purchase
//   frequency                 purchases before T
//   monetary                  net revenue before T (purchases plus refunds)
//   tenure_days               T - first purchase
//   mean_interpurchase_days   (last - first purchase) / (frequency - 1); NaN when frequency < 2
//   recency_ratio             recency_days / mean_interpurchase_days; NaN when frequency < 2
//   purchase_days             distinct calendar days (UTC) with a purchase
//   purchases_30d, revenue_30d           purchases and net revenue in [T - 30 d, T)
//   purchases_90d, revenue_90d           in [T - 90 d, T)
//   purchases_prev_90d, revenue_prev_90d in [T - 180 d, T - 90 d)
//   trend_90d                 purchases_90d - purchases_prev_90d
//   purchases_per_month       frequency / max(tenure_days, 30) * 30
//   average_order_value       gross purchase revenue / frequency
//   last_order_value          amount of the last purchase
//   average_basket_units      mean units per purchase over purchases with a known unit count;
//                             NaN when none is known
//   return_rate               refunds / purchases (counts)
//   refunded_share            refunded amount / gross purchase revenue
//
// Thread safety: plain values and pure functions.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/customer/transactions.h"
#include "core/status.h"

namespace mercato::analytics::customer {

// Profile feature written from the model's prediction (ChurnModel::Predict).
inline constexpr std::string_view kChurnProbabilityFeature = "churn_probability";

const std::vector<std::string>& ChurnFeatureNames();
// The column of a feature in a row; used by baselines that score by one feature.
inline constexpr size_t kRecencyDaysColumn = 0;

struct ChurnExamples {
  std::vector<std::string> customer_ids;
  std::vector<int64_t> cutoffs_us;  // per row: the cutoff the row was computed at
  std::vector<float> features;      // row-major, ChurnFeatureNames().size() per row
  std::vector<float> labels;        // per row 1 = churned, 0 = purchased again; empty if unlabeled

  size_t rows() const { return customer_ids.size(); }
  static size_t cols() { return ChurnFeatureNames().size(); }
  float at(size_t row, size_t col) const { return features[row * cols() + col]; }
  // Appends the rows of `other` (e.g. to stack several training cutoffs). InvalidArgument when one
  // is labelled and the other is not (an empty set takes on the other's kind).
  Status Append(const ChurnExamples& other);
};

struct ChurnLabelOptions {
  int64_t horizon_days = 90;
  // The end of the observed data: a cutoff needs cutoff + horizon <= observed_until_us.
  int64_t observed_until_us = 0;
};

// Features at `cutoff_us` for every customer of the population, without labels.
// InvalidArgument when a history is out of time order.
Result<ChurnExamples> ComputeChurnFeatures(std::span<const CustomerHistory> histories,
                                           int64_t cutoff_us);

// Features and labels at `cutoff_us`. FailedPrecondition when the label window ends after
// `observed_until_us`; InvalidArgument for a horizon below one day or a history out of time order.
Result<ChurnExamples> BuildChurnExamples(std::span<const CustomerHistory> histories,
                                         int64_t cutoff_us, const ChurnLabelOptions& options);

}  // namespace mercato::analytics::customer

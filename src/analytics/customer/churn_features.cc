#include "analytics/customer/churn_features.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace mercato::analytics::customer {
namespace {

enum Feature : size_t {
  kRecencyDays,
  kFrequency,
  kMonetary,
  kTenureDays,
  kMeanInterpurchaseDays,
  kRecencyRatio,
  kPurchaseDays,
  kPurchases30d,
  kRevenue30d,
  kPurchases90d,
  kRevenue90d,
  kPurchasesPrev90d,
  kRevenuePrev90d,
  kTrend90d,
  kPurchasesPerMonth,
  kAverageOrderValue,
  kLastOrderValue,
  kAverageBasketUnits,
  kReturnRate,
  kRefundedShare,
  kFeatureCount
};
static_assert(kRecencyDays == kRecencyDaysColumn);

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

double Days(int64_t micros) {
  return static_cast<double>(micros) / static_cast<double>(kMicrosPerDay);
}
double Units(int64_t micros) { return static_cast<double>(micros) / 1e6; }

Status CheckOrder(const CustomerHistory& history) {
  for (size_t i = 1; i < history.transactions.size(); ++i) {
    if (history.transactions[i].time_us < history.transactions[i - 1].time_us) {
      return Status::InvalidArgument("history of customer '" + history.customer_id +
                                     "' is not in time order");
    }
  }
  return Status::Ok();
}

// The feature row of one customer at `cutoff_us`; false when the customer has no purchase before.
bool FeatureRow(const CustomerHistory& history, int64_t cutoff_us, float* row) {
  int64_t frequency = 0;
  int64_t refunds = 0;
  int64_t net = 0;
  int64_t gross = 0;
  int64_t refunded = 0;
  int64_t first_us = 0;
  int64_t last_us = 0;
  int64_t last_amount = 0;
  int64_t purchase_days = 0;
  int64_t last_day = std::numeric_limits<int64_t>::min();
  int64_t basket_units = 0;
  int64_t baskets_known = 0;
  int64_t purchases_30 = 0;
  int64_t purchases_90 = 0;
  int64_t purchases_prev_90 = 0;
  int64_t revenue_30 = 0;
  int64_t revenue_90 = 0;
  int64_t revenue_prev_90 = 0;
  for (const Transaction& t : history.transactions) {
    if (t.time_us >= cutoff_us) break;
    const int64_t age = cutoff_us - t.time_us;
    const bool purchase = t.amount_micros > 0;
    net += t.amount_micros;
    if (age <= 30 * kMicrosPerDay) revenue_30 += t.amount_micros;
    if (age <= 90 * kMicrosPerDay) {
      revenue_90 += t.amount_micros;
    } else if (age <= 180 * kMicrosPerDay) {
      revenue_prev_90 += t.amount_micros;
    }
    if (t.amount_micros < 0) {
      ++refunds;
      refunded -= t.amount_micros;
    }
    if (!purchase) continue;
    if (frequency == 0) first_us = t.time_us;
    ++frequency;
    gross += t.amount_micros;
    last_us = t.time_us;
    last_amount = t.amount_micros;
    const int64_t day = t.time_us / kMicrosPerDay;
    if (day != last_day) {
      ++purchase_days;
      last_day = day;
    }
    if (t.units) {
      basket_units += *t.units;
      ++baskets_known;
    }
    if (age <= 30 * kMicrosPerDay) ++purchases_30;
    if (age <= 90 * kMicrosPerDay) {
      ++purchases_90;
    } else if (age <= 180 * kMicrosPerDay) {
      ++purchases_prev_90;
    }
  }
  if (frequency == 0) return false;
  const double recency = Days(cutoff_us - last_us);
  const double tenure = Days(cutoff_us - first_us);
  const double mean_gap =
      frequency >= 2 ? Days(last_us - first_us) / static_cast<double>(frequency - 1) : kMissing;
  auto set = [&](Feature f, double value) { row[f] = static_cast<float>(value); };
  set(kRecencyDays, recency);
  set(kFrequency, static_cast<double>(frequency));
  set(kMonetary, Units(net));
  set(kTenureDays, tenure);
  set(kMeanInterpurchaseDays, mean_gap);
  set(kRecencyRatio, frequency >= 2 && mean_gap > 0 ? recency / mean_gap : kMissing);
  set(kPurchaseDays, static_cast<double>(purchase_days));
  set(kPurchases30d, static_cast<double>(purchases_30));
  set(kRevenue30d, Units(revenue_30));
  set(kPurchases90d, static_cast<double>(purchases_90));
  set(kRevenue90d, Units(revenue_90));
  set(kPurchasesPrev90d, static_cast<double>(purchases_prev_90));
  set(kRevenuePrev90d, Units(revenue_prev_90));
  set(kTrend90d, static_cast<double>(purchases_90 - purchases_prev_90));
  set(kPurchasesPerMonth, static_cast<double>(frequency) / std::max(tenure, 30.0) * 30.0);
  set(kAverageOrderValue, Units(gross) / static_cast<double>(frequency));
  set(kLastOrderValue, Units(last_amount));
  set(kAverageBasketUnits,
      baskets_known > 0 ? static_cast<double>(basket_units) / static_cast<double>(baskets_known)
                        : kMissing);
  set(kReturnRate, static_cast<double>(refunds) / static_cast<double>(frequency));
  set(kRefundedShare, static_cast<double>(refunded) / static_cast<double>(gross));
  return true;
}

}  // namespace

const std::vector<std::string>& ChurnFeatureNames() {
  static constexpr std::array<const char*, kFeatureCount> kColumns = {
      "recency_days",
      "frequency",
      "monetary",
      "tenure_days",
      "mean_interpurchase_days",
      "recency_ratio",
      "purchase_days",
      "purchases_30d",
      "revenue_30d",
      "purchases_90d",
      "revenue_90d",
      "purchases_prev_90d",
      "revenue_prev_90d",
      "trend_90d",
      "purchases_per_month",
      "average_order_value",
      "last_order_value",
      "average_basket_units",
      "return_rate",
      "refunded_share"};  // in the order of enum Feature
  static const std::vector<std::string> kNames(kColumns.begin(), kColumns.end());
  return kNames;
}

Status ChurnExamples::Append(const ChurnExamples& other) {
  if (rows() > 0 && other.rows() > 0 && labels.empty() != other.labels.empty()) {
    return Status::InvalidArgument("cannot stack labelled and unlabelled churn examples");
  }
  customer_ids.insert(customer_ids.end(), other.customer_ids.begin(), other.customer_ids.end());
  cutoffs_us.insert(cutoffs_us.end(), other.cutoffs_us.begin(), other.cutoffs_us.end());
  features.insert(features.end(), other.features.begin(), other.features.end());
  labels.insert(labels.end(), other.labels.begin(), other.labels.end());
  return Status::Ok();
}

Result<ChurnExamples> ComputeChurnFeatures(std::span<const CustomerHistory> histories,
                                           int64_t cutoff_us) {
  ChurnExamples examples;
  std::vector<float> row(kFeatureCount);
  for (const CustomerHistory& history : histories) {
    RETURN_IF_ERROR(CheckOrder(history));
    if (!FeatureRow(history, cutoff_us, row.data())) continue;
    examples.customer_ids.push_back(history.customer_id);
    examples.cutoffs_us.push_back(cutoff_us);
    examples.features.insert(examples.features.end(), row.begin(), row.end());
  }
  return examples;
}

Result<ChurnExamples> BuildChurnExamples(std::span<const CustomerHistory> histories,
                                         int64_t cutoff_us, const ChurnLabelOptions& options) {
  if (options.horizon_days < 1) {
    return Status::InvalidArgument("the churn horizon must be at least one day");
  }
  const int64_t window_end = cutoff_us + options.horizon_days * kMicrosPerDay;
  if (window_end > options.observed_until_us) {
    return Status::FailedPrecondition(
        "the label window of the cutoff ends after the observed data (" +
        std::to_string(options.horizon_days) + " days after the cutoff)");
  }
  ChurnExamples examples;
  std::vector<float> row(kFeatureCount);
  for (const CustomerHistory& history : histories) {
    RETURN_IF_ERROR(CheckOrder(history));
    if (!FeatureRow(history, cutoff_us, row.data())) continue;
    bool purchased = false;
    for (const Transaction& t : history.transactions) {
      if (t.time_us >= cutoff_us && t.time_us < window_end && t.amount_micros > 0) {
        purchased = true;
        break;
      }
    }
    examples.customer_ids.push_back(history.customer_id);
    examples.cutoffs_us.push_back(cutoff_us);
    examples.features.insert(examples.features.end(), row.begin(), row.end());
    examples.labels.push_back(purchased ? 0.0F : 1.0F);
  }
  return examples;
}

}  // namespace mercato::analytics::customer

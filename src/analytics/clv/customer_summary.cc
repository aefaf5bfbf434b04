#include "analytics/clv/customer_summary.h"

#include <algorithm>
#include <cmath>

namespace mercato::analytics::clv {
namespace {

// floor(a / b) for b > 0, also for negative a (times before 1970).
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && (a < 0)) --q;
  return q;
}

}  // namespace

Status ValidateSummary(const CustomerSummary& s) {
  if (s.frequency < 0) return Status::InvalidArgument("frequency is negative");
  if (!std::isfinite(s.recency) || !std::isfinite(s.age) || !std::isfinite(s.monetary_value)) {
    return Status::InvalidArgument("recency, age and monetary value must be finite");
  }
  if (s.recency < 0) return Status::InvalidArgument("recency is negative");
  if (s.recency > s.age) return Status::InvalidArgument("recency exceeds age");
  if (s.frequency == 0 && s.recency != 0) {
    return Status::InvalidArgument("recency must be 0 when frequency is 0");
  }
  return Status::Ok();
}

Result<std::vector<SummarizedCustomer>> SummarizeTransactions(
    std::span<const Transaction> transactions, const SummaryOptions& options) {
  if (options.period_us <= 0) return Status::InvalidArgument("period_us must be positive");
  if (options.unit_us <= 0) return Status::InvalidArgument("unit_us must be positive");
  const int64_t end_period = FloorDiv(options.calibration_end_us, options.period_us);
  const double units_per_period =
      static_cast<double>(options.period_us) / static_cast<double>(options.unit_us);

  // Read transactions as (index, period), sorted by customer then period.
  struct Item {
    size_t index;
    int64_t period;
  };
  std::vector<Item> items;
  items.reserve(transactions.size());
  for (size_t i = 0; i < transactions.size(); ++i) {
    const int64_t period = FloorDiv(transactions[i].time_us, options.period_us);
    if (period > end_period) continue;
    if (!std::isfinite(transactions[i].amount)) {
      return Status::InvalidArgument("transaction " + std::to_string(i) + " of customer '" +
                                     transactions[i].customer_id +
                                     "' has an amount that is not finite");
    }
    items.push_back({i, period});
  }
  std::sort(items.begin(), items.end(), [&](const Item& l, const Item& r) {
    const int order = transactions[l.index].customer_id.compare(transactions[r.index].customer_id);
    if (order != 0) return order < 0;
    if (l.period != r.period) return l.period < r.period;
    return l.index < r.index;  // a fixed summation order within a period
  });

  std::vector<SummarizedCustomer> out;
  size_t i = 0;
  while (i < items.size()) {
    const std::string& id = transactions[items[i].index].customer_id;
    const int64_t first_period = items[i].period;
    int64_t last_period = first_period;
    int64_t repeat_periods = 0;
    double repeat_value = 0;
    // Walk the customer's periods; the first one is the first purchase.
    while (i < items.size() && transactions[items[i].index].customer_id == id) {
      const int64_t period = items[i].period;
      double value = 0;
      while (i < items.size() && items[i].period == period &&
             transactions[items[i].index].customer_id == id) {
        value += transactions[items[i].index].amount;
        ++i;
      }
      if (period != first_period) {
        ++repeat_periods;
        repeat_value += value;
        last_period = period;
      }
    }
    SummarizedCustomer customer;
    customer.customer_id = id;
    customer.summary.frequency = repeat_periods;
    customer.summary.recency = static_cast<double>(last_period - first_period) * units_per_period;
    customer.summary.age = static_cast<double>(end_period - first_period) * units_per_period;
    customer.summary.monetary_value =
        repeat_periods > 0 ? repeat_value / static_cast<double>(repeat_periods) : 0.0;
    out.push_back(std::move(customer));
  }
  return out;
}

}  // namespace mercato::analytics::clv

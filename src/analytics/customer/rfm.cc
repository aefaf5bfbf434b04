#include "analytics/customer/rfm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace mercato::analytics::customer {

std::string_view RfmSegmentName(RfmSegment segment) {
  switch (segment) {
    case RfmSegment::kChampions:
      return "Champions";
    case RfmSegment::kLoyalCustomers:
      return "Loyal Customers";
    case RfmSegment::kPotentialLoyalists:
      return "Potential Loyalists";
    case RfmSegment::kNewCustomers:
      return "New Customers";
    case RfmSegment::kPromising:
      return "Promising";
    case RfmSegment::kNeedAttention:
      return "Need Attention";
    case RfmSegment::kAboutToSleep:
      return "About to Sleep";
    case RfmSegment::kAtRisk:
      return "At Risk";
    case RfmSegment::kCantLoseThem:
      return "Can't Lose Them";
    case RfmSegment::kHibernating:
      return "Hibernating";
    case RfmSegment::kLost:
      return "Lost";
  }
  return "Lost";
}

std::string_view RfmSegmentKey(RfmSegment segment) {
  switch (segment) {
    case RfmSegment::kChampions:
      return "champions";
    case RfmSegment::kLoyalCustomers:
      return "loyal_customers";
    case RfmSegment::kPotentialLoyalists:
      return "potential_loyalists";
    case RfmSegment::kNewCustomers:
      return "new_customers";
    case RfmSegment::kPromising:
      return "promising";
    case RfmSegment::kNeedAttention:
      return "need_attention";
    case RfmSegment::kAboutToSleep:
      return "about_to_sleep";
    case RfmSegment::kAtRisk:
      return "at_risk";
    case RfmSegment::kCantLoseThem:
      return "cant_lose_them";
    case RfmSegment::kHibernating:
      return "hibernating";
    case RfmSegment::kLost:
      return "lost";
  }
  return "lost";
}

RfmSegment RfmSegmentOf(int r, int f) {
  if (r >= 5) {
    if (f >= 4) return RfmSegment::kChampions;
    if (f >= 2) return RfmSegment::kPotentialLoyalists;
    return RfmSegment::kNewCustomers;
  }
  if (r == 4) {
    if (f >= 4) return RfmSegment::kLoyalCustomers;
    if (f >= 2) return RfmSegment::kPotentialLoyalists;
    return RfmSegment::kPromising;
  }
  if (r == 3) {
    if (f >= 4) return RfmSegment::kLoyalCustomers;
    if (f == 3) return RfmSegment::kNeedAttention;
    return RfmSegment::kAboutToSleep;
  }
  // r is 1 or 2.
  if (f >= 5) return RfmSegment::kCantLoseThem;
  if (f >= 3) return RfmSegment::kAtRisk;
  if (r <= 1 && f <= 1) return RfmSegment::kLost;
  return RfmSegment::kHibernating;
}

std::vector<int> QuintileScores(std::span<const double> values) {
  const size_t n = values.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<int> scores(n, 0);
  size_t begin = 0;
  while (begin < n) {
    size_t end = begin + 1;
    while (end < n && values[order[end]] == values[order[begin]]) ++end;
    // Ranks begin+1 .. end; their mean minus one half, in units of n/5.
    const double mean_rank = (static_cast<double>(begin + 1) + static_cast<double>(end)) / 2.0;
    const int score = std::clamp(
        static_cast<int>(std::floor(5.0 * (mean_rank - 0.5) / static_cast<double>(n))) + 1, 1, 5);
    for (size_t i = begin; i < end; ++i) scores[order[i]] = score;
    begin = end;
  }
  return scores;
}

std::string RfmCustomer::Cell() const {
  return std::to_string(recency_score) + std::to_string(frequency_score) +
         std::to_string(monetary_score);
}

Result<RfmResult> ComputeRfm(std::span<const CustomerHistory> histories, int64_t as_of_us) {
  RfmResult result;
  result.as_of_us = as_of_us;
  for (const CustomerHistory& history : histories) {
    RfmCustomer customer;
    int64_t last_purchase_us = 0;
    int64_t previous_us = std::numeric_limits<int64_t>::min();
    for (const Transaction& t : history.transactions) {
      if (t.time_us < previous_us) {
        return Status::InvalidArgument("history of customer '" + history.customer_id +
                                       "' is not in time order");
      }
      previous_us = t.time_us;
      if (t.time_us >= as_of_us) break;
      customer.monetary_micros += t.amount_micros;
      if (t.amount_micros > 0) {
        ++customer.frequency;
        last_purchase_us = t.time_us;
      }
    }
    if (customer.frequency == 0) continue;
    customer.customer_id = history.customer_id;
    customer.recency_days =
        static_cast<double>(as_of_us - last_purchase_us) / static_cast<double>(kMicrosPerDay);
    result.customers.push_back(std::move(customer));
  }
  const size_t n = result.customers.size();
  std::vector<double> recency(n);
  std::vector<double> frequency(n);
  std::vector<double> monetary(n);
  for (size_t i = 0; i < n; ++i) {
    recency[i] = -result.customers[i].recency_days;  // more recent is better
    frequency[i] = static_cast<double>(result.customers[i].frequency);
    monetary[i] = static_cast<double>(result.customers[i].monetary_micros);
  }
  const std::vector<int> r = QuintileScores(recency);
  const std::vector<int> f = QuintileScores(frequency);
  const std::vector<int> m = QuintileScores(monetary);
  for (size_t i = 0; i < n; ++i) {
    RfmCustomer& customer = result.customers[i];
    customer.recency_score = r[i];
    customer.frequency_score = f[i];
    customer.monetary_score = m[i];
    customer.segment = RfmSegmentOf(r[i], f[i]);
    ++result.segment_counts[static_cast<size_t>(customer.segment)];
  }
  return result;
}

}  // namespace mercato::analytics::customer

#pragma once
// Per-customer purchase summaries, the input of the BG/NBD and Gamma-Gamma models, and the
// function that builds them from raw transactions with the conventions of the literature (Fader,
// Hardie & Lee 2005) and of the `lifetimes` library (`summary_data_from_transaction_data`):
//
//   - Time is cut into periods (by default UTC days); all transactions of a customer in one period
//     count as one purchase whose value is their sum.
//   - Only periods up to and including the period of `calibration_end_us` are read.
//   - frequency x = (number of distinct purchase periods) - 1: repeat purchases, the first
//     purchase is not counted.
//   - recency t_x = (last purchase period - first purchase period), age T = (calibration end
//     period - first purchase period), both converted from periods to `unit_us` (e.g. weeks).
//     So 0 <= t_x <= T, and t_x = 0 exactly when x = 0.
//   - monetary value = mean value of the x repeat periods (the first period is left out); 0 when
//     x = 0.
//
// Thread safety: plain values and a pure function.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace mercato::analytics::clv {

inline constexpr int64_t kMicrosPerDay = 86'400'000'000;
inline constexpr int64_t kMicrosPerWeek = 7 * kMicrosPerDay;

// One customer's history at the end of the calibration period, in the caller's time unit.
struct CustomerSummary {
  int64_t frequency = 0;      // x: repeat purchases (periods with a purchase, minus the first)
  double recency = 0;         // t_x: from the first to the last purchase
  double age = 0;             // T: from the first purchase to the end of the calibration period
  double monetary_value = 0;  // mean value of the repeat purchases; 0 when frequency == 0
};

struct SummarizedCustomer {
  std::string customer_id;
  CustomerSummary summary;
};

struct Transaction {
  std::string customer_id;
  int64_t time_us = 0;  // microseconds since the Unix epoch (UTC)
  double amount = 0;    // any finite value; summed within a period
};

struct SummaryOptions {
  // Any instant of the last period of the calibration period; that period is included.
  int64_t calibration_end_us = 0;
  // Length of a period: purchases in the same period (floor(time_us / period_us)) merge.
  int64_t period_us = kMicrosPerDay;
  // Unit of recency and age (kMicrosPerWeek for the CDNOW figures of the papers).
  int64_t unit_us = kMicrosPerDay;
};

// Summaries of every customer with at least one transaction in the calibration period, sorted by
// customer id; transactions after it are ignored. InvalidArgument when period_us or unit_us is not
// positive, or an amount of a read transaction is not finite.
Result<std::vector<SummarizedCustomer>> SummarizeTransactions(
    std::span<const Transaction> transactions, const SummaryOptions& options);

// InvalidArgument naming the problem unless frequency >= 0, 0 <= recency <= age, all finite,
// recency == 0 when frequency == 0, and monetary_value finite.
Status ValidateSummary(const CustomerSummary& summary);

}  // namespace mercato::analytics::clv

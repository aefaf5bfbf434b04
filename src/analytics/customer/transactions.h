#pragma once
// Per-customer transaction histories: the input of RFM scoring, cohort analysis and the churn model
// (analytics/customer/). A transaction is one order or refund of one customer: when it happened and
// its net amount in micro-units of the shop's currency (1e-6; negative for a refund).
//
// Vocabulary shared by the files of this folder:
// - a purchase is a transaction with amount > 0; a refund one with amount < 0; a transaction of
//   amount 0 is neither (it is kept but counts nowhere);
// - "before t" means time_us < t: a model computed at a cutoff sees only what happened before it.
//
// Thread safety: plain values and pure functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace mercato::analytics::customer {

inline constexpr int64_t kMicrosPerDay = 86'400'000'000;

struct Transaction {
  int64_t time_us = 0;        // microseconds since the Unix epoch (UTC)
  int64_t amount_micros = 0;  // net amount; negative = refund
  // Units in the basket (sum of quantities) when known; basket-size features are missing without.
  std::optional<int64_t> units;
};

struct CustomerHistory {
  std::string customer_id;
  std::vector<Transaction> transactions;  // ordered by time; equal times keep input order
};

// One order or refund as it comes from the event log or an import.
struct Order {
  std::string customer_id;
  int64_t time_us = 0;
  int64_t amount_micros = 0;  // negative = refund
  std::optional<int64_t> units;
};

// Groups orders by customer. The result is ordered by customer id (byte order), each history by
// time with ties in input order, so the output does not depend on how the input was ordered except
// for simultaneous transactions of one customer. InvalidArgument (naming the order's index) when a
// customer id is empty or a unit count is negative.
Result<std::vector<CustomerHistory>> BuildHistories(std::span<const Order> orders);

// Calendar month (UTC) of a time as a running index: year * 12 + (month - 1).
int64_t MonthIndex(int64_t time_us);
// "YYYY-MM" of a MonthIndex.
std::string MonthLabel(int64_t month_index);

}  // namespace mercato::analytics::customer

#pragma once
// RFM scoring: recency, frequency and monetary value of every customer at a reference time, their
// quintile scores 1-5 and the named segment (Champions, ..., Lost) of the R/F grid.
//
// Definitions (vocabulary of transactions.h; only transactions before `as_of_us` count):
// - recency_days: (as_of - time of the last purchase) in days (fractional);
// - frequency: the number of purchases;
// - monetary: net revenue, purchases plus refunds (may be negative).
// Customers without a purchase before as_of are not scored.
//
// Quintile scores are rank-based, like pandas' qcut on ranks, but order-independent: customers are
// ranked by the value (recency descending, so that the most recent get the highest score;
// frequency and monetary ascending), a group of tied customers gets the mean of its ranks r
// (1-based) and the score floor(5 * (r - 0.5) / n) + 1. Without ties this cuts n customers into
// five bins of equal size (sizes differ by at most one); tied customers always share a score, the
// one of the bin holding their group's middle. With heavy ties (frequency 1 is common) a score may
// therefore be unused.
//
// Segments follow the common R/F-score grid (rows R, columns F):
//
//   R\F   1              2                    3                    4           5
//   5     New Customers  Potential Loyalists  Potential Loyalists  Champions   Champions
//   4     Promising      Potential Loyalists  Potential Loyalists  Loyal       Loyal
//   3     About to Sleep About to Sleep       Need Attention       Loyal       Loyal
//   2     Hibernating    Hibernating          At Risk              At Risk     Can't Lose Them
//   1     Lost           Hibernating          At Risk              At Risk     Can't Lose Them
//
// ("Loyal" = Loyal Customers.) The grid is the usual regular-expression mapping on the "RF" string
// (5[4-5] Champions, [3-4][4-5] Loyal, [4-5][2-3] Potential Loyalists, 51 New, 41 Promising,
// 33 Need Attention, 3[1-2] About to Sleep, [1-2][3-4] At Risk, [1-2]5 Can't Lose, [1-2][1-2]
// Hibernating) with R=1, F=1 split off as Lost. The monetary score does not enter the segment.
//
// Profile features (names for segment rules): rfm_recency_score, rfm_frequency_score,
// rfm_monetary_score (1-5), rfm_score (the "RFM" cell, e.g. "545"), rfm_segment (RfmSegmentKey).
//
// Thread safety: plain values and pure functions.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/customer/transactions.h"
#include "core/status.h"

namespace mercato::analytics::customer {

enum class RfmSegment {
  kChampions,
  kLoyalCustomers,
  kPotentialLoyalists,
  kNewCustomers,
  kPromising,
  kNeedAttention,
  kAboutToSleep,
  kAtRisk,
  kCantLoseThem,
  kHibernating,
  kLost,
};
inline constexpr size_t kRfmSegmentCount = 11;

// Display name: "Champions", "Loyal Customers", ..., "Can't Lose Them", "Lost".
std::string_view RfmSegmentName(RfmSegment segment);
// Stable key for rules and storage: "champions", "loyal_customers", ..., "cant_lose_them", "lost".
std::string_view RfmSegmentKey(RfmSegment segment);
// The grid above; recency_score and frequency_score must be 1..5.
RfmSegment RfmSegmentOf(int recency_score, int frequency_score);

// Scores 1..5 of values where higher is better, by the tie rule above; the output is parallel to
// `values`. Empty in, empty out.
std::vector<int> QuintileScores(std::span<const double> values);

struct RfmCustomer {
  std::string customer_id;
  double recency_days = 0;
  int64_t frequency = 0;
  int64_t monetary_micros = 0;
  int recency_score = 0;  // 1..5
  int frequency_score = 0;
  int monetary_score = 0;
  RfmSegment segment = RfmSegment::kLost;

  // "545": the three scores as digits R, F, M.
  std::string Cell() const;
};

struct RfmResult {
  int64_t as_of_us = 0;
  std::vector<RfmCustomer> customers;  // in the order of the input histories, unscored left out
  std::array<int64_t, kRfmSegmentCount> segment_counts{};  // indexed by RfmSegment
};

// Scores every customer with a purchase before `as_of_us`. Never fails on well-formed histories;
// InvalidArgument when a history is out of time order.
Result<RfmResult> ComputeRfm(std::span<const CustomerHistory> histories, int64_t as_of_us);

}  // namespace mercato::analytics::customer

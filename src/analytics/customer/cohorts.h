#pragma once
// Cohort analysis: customers grouped by acquisition month, followed month by month.
//
// Definitions (vocabulary of transactions.h; calendar months in UTC):
// - a customer's cohort is the month of their first purchase; customers without a purchase (before
//   `end_us`) belong to none;
// - age k of a month is the number of calendar months since the cohort month (k = 0: the
//   acquisition month itself);
// - active(c, k): customers of cohort c with at least one purchase in month c + k; active(c, 0) is
//   the cohort's size;
// - retention(c, k) = active(c, k) / size(c);
// - revenue(c, k): net revenue (purchases plus refunds) of cohort c's customers in month c + k.
//   Transactions of a customer before their acquisition month (refunds of older orders) count
//   nowhere.
// Only transactions before `end_us` count. The last observed month L is the month of the latest
// transaction counted; cohort c has ages 0 .. L - c (a triangle: later months are unobserved, not
// zero). Months without new customers have no cohort row.
//
// Renderings: JSON and CSV for machines, and an SVG heatmap for people (a standalone, valid XML
// document with no external references: title, cohort and age labels, the value in each cell, a
// colour legend).
//
// Thread safety: plain values and pure functions.

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "analytics/customer/transactions.h"
#include "core/status.h"

namespace mercato::analytics::customer {

struct CohortCell {
  int64_t active_customers = 0;
  double retention = 0;  // active_customers / cohort size, in [0, 1]
  int64_t revenue_micros = 0;
};

struct Cohort {
  int64_t month_index = 0;         // MonthIndex of the acquisition month
  std::string label;               // "YYYY-MM"
  int64_t size = 0;                // customers acquired in the month
  std::vector<CohortCell> by_age;  // index = months since acquisition
};

struct CohortTable {
  std::vector<Cohort> cohorts;  // ascending by month
  int64_t max_age = 0;          // the largest age of any row (the first cohort's last)
};

struct CohortOptions {
  int64_t end_us = std::numeric_limits<int64_t>::max();  // exclusive
};

// Builds the table; an empty table when nobody purchased. InvalidArgument when a history is out of
// time order.
Result<CohortTable> BuildCohorts(std::span<const CustomerHistory> histories,
                                 const CohortOptions& options = {});

// {"max_age": n, "cohorts": [{"cohort": "2010-12", "size": 948,
//   "active": [948, 362, ...], "retention": [1.0, 0.3819, ...], "revenue": [570422.73, ...]}]}
// Revenue in currency units (micro-units / 1e6); arrays are indexed by age.
std::string CohortsToJson(const CohortTable& table);

// One line per (cohort, age), with a header:
// cohort,cohort_size,months_since_acquisition,active_customers,retention,revenue
std::string CohortsToCsv(const CohortTable& table);

enum class CohortMetric { kRetention, kRevenue };

struct HeatmapOptions {
  CohortMetric metric = CohortMetric::kRetention;
  std::string title;  // empty: "Customer retention by acquisition cohort" (or "... revenue ...")
};

// The heatmap as an SVG document. Cells are coloured on a sequential blue scale from 0 to the
// largest value at age >= 1: age 0 (always 100 % retention, and usually the largest revenue) would
// flatten the scale, so values above the top are drawn in the top colour and the legend says
// "or more". Negative revenue is drawn as 0. Unobserved cells are left blank.
std::string CohortHeatmapSvg(const CohortTable& table, const HeatmapOptions& options = {});

}  // namespace mercato::analytics::customer

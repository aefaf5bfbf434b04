#pragma once
// The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting your customers the
// easy way"): while alive, a customer buys as a Poisson process of rate lambda ~ Gamma(r, alpha)
// (shape r, rate alpha); after each purchase they drop out with probability p ~ Beta(a, b).
// Inputs are CustomerSummary values (frequency x, recency t_x, age T) in one time unit, which is
// also the unit of alpha and of every horizon t. Formulas: docs/analytics.md.
//
// Thread safety: BgNbdData is immutable after Create; every function here is reentrant.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "analytics/clv/customer_summary.h"
#include "analytics/clv/optimizer.h"
#include "core/status.h"

namespace mercato::analytics::clv {

struct BgNbdParams {
  double r = 0;      // shape of the purchase-rate distribution
  double alpha = 0;  // rate (inverse scale) of the purchase-rate distribution, in 1 / time unit
  double a = 0;      // Beta shape of the dropout probability
  double b = 0;      // Beta shape of the dropout probability
};

// InvalidArgument unless every parameter is positive and finite.
Status ValidateBgNbdParams(const BgNbdParams& params);

// The model's view of a customer base: customers with identical (x, t_x, T) merged into one row
// with a count (data recorded per day or week has many). Memory: 32 bytes per distinct triple;
// Create uses a hash table of up to 4 times that while it runs.
class BgNbdData {
 public:
  // InvalidArgument (with the customer's index) when a summary fails ValidateSummary or its
  // frequency exceeds 2^31. Monetary values are ignored. An empty span gives empty data.
  static Result<BgNbdData> Create(std::span<const CustomerSummary> customers);

  double customers() const { return customers_; }                // sum of the counts
  size_t rows() const { return rows_.size(); }                   // distinct (x, t_x, T)
  double repeat_purchases() const { return repeat_purchases_; }  // sum of x
  double total_age() const { return total_age_; }                // sum of T
  double max_age() const { return max_age_; }

 private:
  friend Result<double> BgNbdLogLikelihood(const BgNbdData& data, const BgNbdParams& params,
                                           BgNbdParams* gradient, int threads);
  struct Row {
    double count;
    double age;
    double recency;
    uint32_t x;  // index into distinct_x_
  };
  std::vector<Row> rows_;            // sorted by x, then age, then recency
  std::vector<int64_t> distinct_x_;  // ascending
  std::vector<double> x_counts_;     // customers per distinct x
  double customers_ = 0;
  double repeat_purchases_ = 0;
  double total_age_ = 0;
  double max_age_ = 0;
};

// The log-likelihood of the data at `params` (natural log, summed over customers), computed over
// chunks of rows on up to `threads` threads (0: all cores) with a result that does not depend on
// the thread count. When `gradient` is not null it receives d LL / d (r, alpha, a, b).
// InvalidArgument when the parameters are invalid.
Result<double> BgNbdLogLikelihood(const BgNbdData& data, const BgNbdParams& params,
                                  BgNbdParams* gradient = nullptr, int threads = 0);

struct BgNbdFit {
  BgNbdParams params;
  MleReport report;  // log-likelihood, convergence, NLopt status, evaluations
};

// Maximum-likelihood estimate of (r, alpha, a, b). Starts from a data-scaled guess and, when that
// does not converge, from a second one, keeping the better optimum; `report.converged` says whether
// the returned point satisfies the gradient tolerance.
// Errors: InvalidArgument for no customers; FailedPrecondition when the data cannot identify the
// parameters (no repeat purchase, every age 0) or the estimates run off to 0 or infinity.
Result<BgNbdFit> FitBgNbd(const BgNbdData& data, const MleOptions& options = {});

// P(alive | x, t_x, T): the probability that the customer has not dropped out at T. 1 when x = 0
// (in the BG/NBD a customer can only drop out right after a repeat purchase).
// InvalidArgument for invalid parameters or summary.
Result<double> ProbabilityAlive(const BgNbdParams& params, const CustomerSummary& customer);

// E[Y(t) | x, t_x, T]: expected purchases in (T, T + horizon] for this customer. horizon >= 0.
// Evaluated with a hypergeometric series whose cost grows like (alpha + T + horizon) / (alpha + T);
// FailedPrecondition when it has not converged after 10^7 terms. InvalidArgument for invalid input.
Result<double> ExpectedPurchases(const BgNbdParams& params, const CustomerSummary& customer,
                                 double horizon);

// E[X(t)]: expected repeat purchases in the first `horizon` time units after a customer's first
// purchase (the population curve; equal to ExpectedPurchases of x = t_x = T = 0).
Result<double> PopulationExpectedPurchases(const BgNbdParams& params, double horizon);

}  // namespace mercato::analytics::clv

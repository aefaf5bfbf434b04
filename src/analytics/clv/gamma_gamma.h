#pragma once
// The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV";
// Fader & Hardie, "The Gamma-Gamma model of monetary value", 2013): a customer's transaction values
// are Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers, independent of the purchase process.
// It is fitted on repeat buyers only (frequency x > 0), from x and the mean repeat transaction
// value m (CustomerSummary::monetary_value). Formulas: docs/analytics.md.
//
// Thread safety: GammaGammaData is immutable after Create; every function here is reentrant.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "analytics/clv/customer_summary.h"
#include "analytics/clv/optimizer.h"
#include "core/status.h"

namespace mercato::analytics::clv {

struct GammaGammaParams {
  double p = 0;      // shape of the transaction-value distribution
  double q = 0;      // shape of the distribution of its rate nu
  double gamma = 0;  // rate of the distribution of nu, in money units
};

// InvalidArgument unless every parameter is positive and finite.
Status ValidateGammaGammaParams(const GammaGammaParams& params);

// The repeat buyers of a customer base, as (x, x * m), grouped by x.
class GammaGammaData {
 public:
  // Keeps the customers with frequency > 0. InvalidArgument (with the customer's index) when a
  // summary fails ValidateSummary or a repeat buyer's monetary value is not positive.
  static Result<GammaGammaData> Create(std::span<const CustomerSummary> customers);

  size_t repeat_buyers() const { return frequency_.size(); }
  double mean_monetary_value() const { return mean_value_; }  // over repeat buyers; 0 when none

 private:
  friend Result<double> GammaGammaLogLikelihood(const GammaGammaData& data,
                                                const GammaGammaParams& params,
                                                GammaGammaParams* gradient, int threads);
  std::vector<double> frequency_;    // x, ascending
  std::vector<double> total_value_;  // x * m
  std::vector<double> distinct_x_;   // ascending
  std::vector<double> x_counts_;     // customers per distinct x
  double constant_ = 0;              // -sum(log m)
  double p_coefficient_ = 0;         // sum x (log m + log x)
  double mean_value_ = 0;
};

// The log-likelihood of the repeat buyers' mean values at `params`; `gradient`, when not null,
// receives d LL / d (p, q, gamma). Independent of the thread count (0: all cores).
// InvalidArgument when the parameters are invalid.
Result<double> GammaGammaLogLikelihood(const GammaGammaData& data, const GammaGammaParams& params,
                                       GammaGammaParams* gradient = nullptr, int threads = 0);

struct GammaGammaFit {
  GammaGammaParams params;
  MleReport report;
};

// Maximum-likelihood estimate of (p, q, gamma), with the same restart and convergence rules as
// FitBgNbd. Errors: FailedPrecondition when there is no repeat buyer or the estimates diverge
// (e.g. every repeat buyer has the same mean value).
Result<GammaGammaFit> FitGammaGamma(const GammaGammaData& data, const MleOptions& options = {});

// E[M | x, m]: the expected value of this customer's future transactions,
// (p (gamma + x m)) / (p x + q - 1); for x = 0 the population mean p gamma / (q - 1).
// FailedPrecondition when p x + q <= 1 (the mean does not exist); InvalidArgument for invalid
// parameters, an invalid summary or a repeat buyer with a monetary value <= 0.
Result<double> ExpectedAverageValue(const GammaGammaParams& params,
                                    const CustomerSummary& customer);

}  // namespace mercato::analytics::clv

#pragma once
// Customer lifetime value from a BG/NBD model (how many purchases) and a Gamma-Gamma model (what
// each is worth), discounted month by month like `lifetimes`' customer_lifetime_value:
//
//   CLV = sum_{i=1..months} E[M] * (E[Y(i f)] - E[Y((i-1) f)]) / (1 + d)^i
//
// with f the model's time units per month, d the monthly discount rate, E[Y(t)] the customer's
// expected purchases in (T, T + t] and E[M] the Gamma-Gamma expected average value.
//
// Thread safety: a pure function.

#include "analytics/clv/bgnbd.h"
#include "analytics/clv/customer_summary.h"
#include "analytics/clv/gamma_gamma.h"
#include "core/status.h"

namespace mercato::analytics::clv {

struct LifetimeValueOptions {
  int months = 12;                      // horizon, >= 0
  double monthly_discount_rate = 0.01;  // > -1
  // Time units of the BG/NBD fit per month: 30 for days, 4.345 for weeks (lifetimes' factors).
  double time_units_per_month = 30.0;
};

// The discounted expected value of the customer's purchases over the next `months` months.
// Errors: those of ExpectedPurchases and ExpectedAverageValue; InvalidArgument for invalid options.
Result<double> CustomerLifetimeValue(const BgNbdParams& purchases, const GammaGammaParams& spend,
                                     const CustomerSummary& customer,
                                     const LifetimeValueOptions& options = {});

}  // namespace mercato::analytics::clv

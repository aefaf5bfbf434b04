#include "analytics/clv/lifetime_value.h"

#include <cmath>

namespace mercato::analytics::clv {

Result<double> CustomerLifetimeValue(const BgNbdParams& purchases, const GammaGammaParams& spend,
                                     const CustomerSummary& customer,
                                     const LifetimeValueOptions& options) {
  if (options.months < 0) return Status::InvalidArgument("months must be >= 0");
  if (!(options.monthly_discount_rate > -1.0) || !std::isfinite(options.monthly_discount_rate)) {
    return Status::InvalidArgument("monthly_discount_rate must be finite and > -1");
  }
  if (!(options.time_units_per_month > 0) || !std::isfinite(options.time_units_per_month)) {
    return Status::InvalidArgument("time_units_per_month must be finite and positive");
  }
  ASSIGN_OR_RETURN(const double value, ExpectedAverageValue(spend, customer));
  double clv = 0;
  double previous = 0;  // E[Y(0)] = 0
  for (int month = 1; month <= options.months; ++month) {
    ASSIGN_OR_RETURN(const double cumulative,
                     ExpectedPurchases(purchases, customer, month * options.time_units_per_month));
    clv += value * (cumulative - previous) /
           std::pow(1.0 + options.monthly_discount_rate, static_cast<double>(month));
    previous = cumulative;
  }
  return clv;
}

}  // namespace mercato::analytics::clv

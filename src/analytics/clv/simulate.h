#pragma once
// Draws customer summaries from the BG/NBD model, for checking fits (tests, benchmarks) and for
// what-if studies. Deterministic for a given seed and standard library.
//
// Thread safety: a pure function.

#include <cstdint>
#include <span>
#include <vector>

#include "analytics/clv/bgnbd.h"
#include "analytics/clv/customer_summary.h"
#include "core/status.h"

namespace mercato::analytics::clv {

// One customer per entry of `ages` (T, >= 0, in the parameters' time unit): lambda ~ Gamma(r,
// alpha), p ~ Beta(a, b); purchases follow a Poisson process of rate lambda from the first purchase
// at time 0, and after each repeat purchase the customer drops out with probability p. When
// `resolution` > 0 the recency is rounded to the nearest multiple of it (at most T), like data
// recorded per day; 0 keeps exact times. Monetary values are 0.
// InvalidArgument for invalid parameters, a negative or non-finite age or resolution.
Result<std::vector<CustomerSummary>> SimulateBgNbd(const BgNbdParams& params,
                                                   std::span<const double> ages, uint64_t seed,
                                                   double resolution = 0);

}  // namespace mercato::analytics::clv

#pragma once
// The BG/NBD P(alive) baseline of the churn model (analytics/clv/bgnbd.h), as a PAliveFunction
// for EvaluateChurnHoldout.
//
// At the evaluation cutoff E it summarises every customer's purchases before E the way the clv
// module does (UTC days as periods, several purchases on one day count as one; recency and age in
// days; refunds left out, as the model counts purchases), fits BG/NBD by maximum likelihood on
// that population and returns P(alive | x, t_x, T) for each evaluation row. Nothing at or after E
// is read.
//
// P(alive) is 1 for every customer without a repeat purchase (x = 0: in the BG/NBD a customer can
// only drop out right after a purchase), although one-time buyers are the likeliest to churn, so
// its ranking is poor on data with many of them. The model's expected purchases in the horizon,
// E[Y(H) | x, t_x, T], is given as a second baseline (churn score: its negative).
//
// Thread safety: a pure function.

#include <span>
#include <vector>

#include "analytics/customer/churn_features.h"
#include "analytics/customer/transactions.h"
#include "core/status.h"

namespace mercato::analytics::customer {

struct BgNbdScores {
  std::vector<double> p_alive;             // P(alive | x, t_x, T) at the cutoff
  std::vector<double> expected_purchases;  // E[purchases in the next horizon_days]
};

// Both scores for every row of `eval`, in row order, from one fit. InvalidArgument when the rows
// do not share one cutoff, a row's customer has no purchase before it among `histories`, or
// horizon_days < 0; the errors of the BG/NBD fit (e.g. FailedPrecondition when nobody made a
// repeat purchase) as they are. `threads` is passed to the fit (0: all cores).
Result<BgNbdScores> BgNbdBaseline(std::span<const CustomerHistory> histories,
                                  const ChurnExamples& eval, double horizon_days, int threads = 1);

// BgNbdBaseline's P(alive) alone: the PAliveFunction of EvaluateChurnHoldout.
Result<std::vector<double>> BgNbdPAlive(std::span<const CustomerHistory> histories,
                                        const ChurnExamples& eval, int threads = 1);

}  // namespace mercato::analytics::customer

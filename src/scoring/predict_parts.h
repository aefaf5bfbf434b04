#pragma once
// The two halves of the predict run (models.h RunPredictModel), internal to the scoring module.
//
// Thread safety: pure functions.

#include <boost/json/object.hpp>
#include <map>
#include <span>
#include <string>

#include "analytics/customer/transactions.h"
#include "core/status.h"
#include "scoring/run_request.h"

namespace mercato::scoring {

struct CustomerScores {
  double p_alive = 0;
  double expected_purchases_90d = 0;
  std::optional<double> clv;  // absent when the Gamma-Gamma mean does not exist for the customer
  std::optional<double> churn_probability;
};

// BG/NBD (days; P(alive), expected purchases in 90 days) and Gamma-Gamma + CLV for every customer
// with a purchase before as_of. Adds "customers", "repeat_buyers", "bgnbd", "gamma_gamma" and
// "clv" to `summary`. FailedPrecondition below the params' minimums or when a fit has no solution.
Status FitPurchaseModels(std::span<const analytics::customer::CustomerHistory> histories,
                         const RunRequest& request, std::map<std::string, CustomerScores>& scores,
                         boost::json::object& summary);

// The churn model: time-based holdout (reported under "churn"."holdout", with the P(alive)
// baseline), then a model trained on the latest labelled cutoffs scores every customer at as_of.
// FailedPrecondition when it cannot be trained (one class only, no labelled cutoff).
Status FitChurnModel(std::span<const analytics::customer::CustomerHistory> histories,
                     const RunRequest& request, std::map<std::string, CustomerScores>& scores,
                     boost::json::object& summary);

}  // namespace mercato::scoring

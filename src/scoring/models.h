#pragma once
// The computation of each run kind over a CustomerTable: pure (no I/O), so a run that fails here
// has written nothing. The runner (scoring/runs.h) writes the output.
//
// Every model reads only transactions before request.as_of_us and scores only customers with a
// purchase before it; the others keep whatever they had.
//
// Thread safety: pure functions.

#include <boost/json/object.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "profile/prediction_store.h"
#include "scoring/customer_table.h"
#include "scoring/run_request.h"

namespace mercato::scoring {

struct ModelOutput {
  // Per customer, the fields this run sets (runs / scored_at are filled in by the runner).
  std::vector<std::pair<std::string, Predictions>> predictions;
  boost::json::object summary;  // the run's result
  // Named text outputs kept with the run record (cohorts: "csv", "svg").
  std::vector<std::pair<std::string, std::string>> artifacts;
};

// rfm_score (the cell R*100 + F*10 + M, e.g. 545) and rfm_segment (display name, "Champions").
// Summary: {"as_of", "customers_scored", "segments": [{"segment" (key), "name", "customers",
// "share", "revenue", "revenue_share"}]} in the order of RfmSegment.
// FailedPrecondition when nobody has a purchase.
Result<ModelOutput> RunRfmModel(const CustomerTable& table, const RunRequest& request);

// cluster (k-means label, or DBSCAN label with -1 = noise) over log1p + standardised
// recency_days, frequency, monetary (net revenue, negatives as 0) and tenure_days.
// Summary: {"algorithm", "k" | "eps"/"min_samples", "silhouette" (k-means), "k_scores" (when k
// was chosen), "features", "clusters": SummariesToJson (revenue = the monetary column)}.
// FailedPrecondition with fewer customers than needed (k + 1, or 2 for DBSCAN).
Result<ModelOutput> RunClusterModel(const CustomerTable& table, const RunRequest& request);

// No predictions. Summary: CohortsToJson's document; artifacts "csv" and "svg".
Result<ModelOutput> RunCohortsModel(const CustomerTable& table, const RunRequest& request);

// churn_probability, p_alive, clv, expected_purchases_90d. Summary documented in
// docs/analytics.md ("predict"). FailedPrecondition (naming the threshold) with fewer than
// min_customers buyers or min_repeat_buyers repeat buyers, or when the churn model cannot be
// trained (one class only, e.g. as_of long after the data ends).
Result<ModelOutput> RunPredictModel(const CustomerTable& table, const RunRequest& request);

}  // namespace mercato::scoring

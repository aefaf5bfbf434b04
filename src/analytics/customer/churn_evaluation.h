#pragma once
// Evaluation of churn scores: the exact ROC AUC and the time-based holdout protocol.
//
// Holdout protocol (EvaluateChurnHoldout): the model is trained on the examples of one or more
// earlier cutoffs and evaluated on the examples of one later cutoff E, all with the same horizon H.
// Every training cutoff T must satisfy T + H <= E, so that every training label was observable
// at E (no information from after E reaches the model), and E + H must be within the observed
// data. Customers may appear at several cutoffs; their rows are different snapshots in time.
//
// Baselines, scored on the same evaluation rows:
// - recency alone (days since the last purchase as the churn score);
// - BG/NBD P(alive), through a hook: the caller passes a function giving P(alive) at E for each
//   evaluation row (fitted on data before E only); its churn score is 1 - P(alive).
//
// Thread safety: pure functions.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "analytics/customer/churn_features.h"
#include "analytics/customer/churn_model.h"
#include "analytics/customer/transactions.h"
#include "core/status.h"

namespace mercato::analytics::customer {

// The probability that a random positive (label 1) scores above a random negative (label 0), ties
// counting one half: the Mann-Whitney U statistic over P * N, computed exactly from mid-ranks in
// O(n log n). InvalidArgument when the spans differ in size, a label is not 0 or 1, a score is not
// finite, or either class is absent.
Result<double> RocAuc(std::span<const double> scores, std::span<const float> labels);

// P(alive) at the evaluation cutoff for every row of `eval` (same order), computed from
// transactions before eval.cutoffs_us only.
using PAliveFunction = std::function<Result<std::vector<double>>(
    std::span<const CustomerHistory> histories, const ChurnExamples& eval)>;

struct ChurnHoldoutOptions {
  std::vector<int64_t> train_cutoffs_us;  // at least one
  int64_t eval_cutoff_us = 0;
  ChurnLabelOptions labels;
  ChurnModelOptions model;
};

struct ChurnHoldoutReport {
  size_t train_rows = 0;
  size_t eval_rows = 0;
  double train_churn_rate = 0;  // share of label 1
  double eval_churn_rate = 0;
  double model_auc = 0;
  double recency_auc = 0;
  std::optional<double> p_alive_auc;  // set when a PAliveFunction was given
};

// Runs the protocol above. InvalidArgument when no training cutoff is given or one violates
// T + H <= E; FailedPrecondition when E + H is beyond the observed data; the errors of
// BuildChurnExamples, ChurnModel::Train and RocAuc (e.g. one class only) and of `p_alive` as
// they are.
Result<ChurnHoldoutReport> EvaluateChurnHoldout(std::span<const CustomerHistory> histories,
                                                const ChurnHoldoutOptions& options,
                                                const PAliveFunction& p_alive = nullptr);

}  // namespace mercato::analytics::customer

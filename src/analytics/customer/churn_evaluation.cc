#include "analytics/customer/churn_evaluation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mercato::analytics::customer {
namespace {

double ChurnRate(const ChurnExamples& examples) {
  if (examples.rows() == 0) return 0;
  const double churned = std::accumulate(examples.labels.begin(), examples.labels.end(), 0.0);
  return churned / static_cast<double>(examples.rows());
}

}  // namespace

Result<double> RocAuc(std::span<const double> scores, std::span<const float> labels) {
  if (scores.size() != labels.size()) {
    return Status::InvalidArgument("AUC needs one label per score");
  }
  const size_t n = scores.size();
  double positives = 0;
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] != 0.0F && labels[i] != 1.0F) {
      return Status::InvalidArgument("AUC labels must be 0 or 1");
    }
    if (!std::isfinite(scores[i])) return Status::InvalidArgument("AUC scores must be finite");
    positives += labels[i];
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0 || negatives == 0) {
    return Status::InvalidArgument("AUC needs both positive and negative examples");
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Sum of the mid-ranks (1-based) of the positives.
  double rank_sum = 0;
  size_t begin = 0;
  while (begin < n) {
    size_t end = begin + 1;
    while (end < n && scores[order[end]] == scores[order[begin]]) ++end;
    const double mid_rank = (static_cast<double>(begin + 1) + static_cast<double>(end)) / 2.0;
    for (size_t i = begin; i < end; ++i) rank_sum += labels[order[i]] * mid_rank;
    begin = end;
  }
  const double u = rank_sum - positives * (positives + 1) / 2.0;
  return u / (positives * negatives);
}

Result<ChurnHoldoutReport> EvaluateChurnHoldout(std::span<const CustomerHistory> histories,
                                                const ChurnHoldoutOptions& options,
                                                const PAliveFunction& p_alive) {
  if (options.train_cutoffs_us.empty()) {
    return Status::InvalidArgument("the churn holdout needs at least one training cutoff");
  }
  const int64_t horizon_us = options.labels.horizon_days * kMicrosPerDay;
  ChurnExamples train;
  for (int64_t cutoff : options.train_cutoffs_us) {
    if (cutoff + horizon_us > options.eval_cutoff_us) {
      return Status::InvalidArgument(
          "a training cutoff's label window ends after the evaluation cutoff");
    }
    ASSIGN_OR_RETURN(ChurnExamples examples, BuildChurnExamples(histories, cutoff, options.labels));
    RETURN_IF_ERROR(train.Append(examples));
  }
  ASSIGN_OR_RETURN(ChurnExamples eval,
                   BuildChurnExamples(histories, options.eval_cutoff_us, options.labels));
  ASSIGN_OR_RETURN(ChurnModel model, ChurnModel::Train(train, options.model));
  ASSIGN_OR_RETURN(std::vector<double> predictions, model.Predict(eval));

  ChurnHoldoutReport report;
  report.train_rows = train.rows();
  report.eval_rows = eval.rows();
  report.train_churn_rate = ChurnRate(train);
  report.eval_churn_rate = ChurnRate(eval);
  ASSIGN_OR_RETURN(report.model_auc, RocAuc(predictions, eval.labels));
  std::vector<double> recency(eval.rows());
  for (size_t i = 0; i < eval.rows(); ++i) recency[i] = eval.at(i, kRecencyDaysColumn);
  ASSIGN_OR_RETURN(report.recency_auc, RocAuc(recency, eval.labels));
  if (p_alive) {
    ASSIGN_OR_RETURN(std::vector<double> alive, p_alive(histories, eval));
    if (alive.size() != eval.rows()) {
      return Status::InvalidArgument("P(alive) must give one value per evaluation row");
    }
    for (double& value : alive) value = 1.0 - value;
    ASSIGN_OR_RETURN(report.p_alive_auc, RocAuc(alive, eval.labels));
  }
  return report;
}

}  // namespace mercato::analytics::customer

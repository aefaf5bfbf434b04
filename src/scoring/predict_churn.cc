// The churn model (analytics/customer/churn_*.h) trained and scored over the stored customers.

#include <boost/json/array.hpp>

#include "analytics/customer/churn_evaluation.h"
#include "analytics/customer/churn_features.h"
#include "analytics/customer/churn_model.h"
#include "analytics/customer/p_alive_baseline.h"
#include "core/clock.h"
#include "core/time_format.h"
#include "event/json_writer.h"
#include "scoring/predict_parts.h"

namespace mercato::scoring {
namespace json = boost::json;
namespace customer = analytics::customer;

namespace {

json::array TimesJson(const std::vector<int64_t>& times) {
  json::array out;
  for (int64_t time : times) out.emplace_back(FormatTimestamp(time));
  return out;
}

// The holdout (churn_evaluation.h): evaluated at E = as_of - H, trained on cutoffs E - H - i*step,
// so that every training label was known at E. Failures (too little history) are reported, not
// fatal: the holdout measures the model, the scores do not depend on it.
json::object Holdout(std::span<const customer::CustomerHistory> histories,
                     const RunRequest& request) {
  const PredictParams& params = request.predict;
  const int64_t horizon_us = params.horizon_days * kMicrosPerDay;
  customer::ChurnHoldoutOptions options;
  options.eval_cutoff_us = request.as_of_us - horizon_us;
  for (int64_t index = 0; index < params.training_cutoffs; ++index) {
    options.train_cutoffs_us.push_back(options.eval_cutoff_us - horizon_us -
                                       index * params.cutoff_step_days * kMicrosPerDay);
  }
  options.labels.horizon_days = params.horizon_days;
  options.labels.observed_until_us = request.as_of_us;
  json::object out;
  out["eval_cutoff"] = FormatTimestamp(options.eval_cutoff_us);
  out["train_cutoffs"] = TimesJson(options.train_cutoffs_us);
  auto report = customer::EvaluateChurnHoldout(
      histories, options,
      [](std::span<const customer::CustomerHistory> all, const customer::ChurnExamples& eval) {
        return customer::BgNbdPAlive(all, eval, /*threads=*/1);
      });
  if (!report.ok()) {
    out["error"] = report.status().ToString();
    return out;
  }
  out["train_rows"] = report->train_rows;
  out["eval_rows"] = report->eval_rows;
  out["train_churn_rate"] = report->train_churn_rate;
  out["eval_churn_rate"] = report->eval_churn_rate;
  out["model_auc"] = report->model_auc;
  out["p_alive_auc"] = report->p_alive_auc ? json::value(*report->p_alive_auc) : json::value();
  out["recency_auc"] = report->recency_auc;
  return out;
}

}  // namespace

Status FitChurnModel(std::span<const customer::CustomerHistory> histories,
                     const RunRequest& request, std::map<std::string, CustomerScores>& scores,
                     json::object& summary) {
  const PredictParams& params = request.predict;
  const int64_t horizon_us = params.horizon_days * kMicrosPerDay;
  json::object churn;
  churn["horizon_days"] = params.horizon_days;
  churn["holdout"] = Holdout(histories, request);

  // The final model learns from the latest labelled cutoffs: as_of - H, then earlier by steps.
  customer::ChurnLabelOptions labels;
  labels.horizon_days = params.horizon_days;
  labels.observed_until_us = request.as_of_us;
  customer::ChurnExamples training;
  std::vector<int64_t> cutoffs;
  for (int64_t index = 0; index < params.training_cutoffs; ++index) {
    const int64_t cutoff =
        request.as_of_us - horizon_us - index * params.cutoff_step_days * kMicrosPerDay;
    ASSIGN_OR_RETURN(customer::ChurnExamples examples,
                     customer::BuildChurnExamples(histories, cutoff, labels));
    if (examples.rows() == 0) continue;
    RETURN_IF_ERROR(training.Append(examples));
    cutoffs.push_back(cutoff);
  }
  if (training.rows() == 0) {
    return Status::FailedPrecondition(
        "predict: no customer has a purchase before the first churn training cutoff " +
        FormatTimestamp(request.as_of_us - horizon_us) + " (as_of minus horizon_days)");
  }
  auto model = customer::ChurnModel::Train(training, customer::ChurnModelOptions{});
  if (!model.ok()) {
    return Status::FailedPrecondition("predict: the churn model cannot be trained on the cutoffs " +
                                      SerializeJson(json::value(TimesJson(cutoffs))) + ": " +
                                      model.status().message() +
                                      " (is as_of after the end of the data?)");
  }
  ASSIGN_OR_RETURN(customer::ChurnExamples now,
                   customer::ComputeChurnFeatures(histories, request.as_of_us));
  ASSIGN_OR_RETURN(std::vector<double> probabilities, model->Predict(now));
  double sum = 0;
  for (size_t row = 0; row < now.rows(); ++row) {
    scores[now.customer_ids[row]].churn_probability = probabilities[row];
    sum += probabilities[row];
  }
  double churned = 0;
  for (float label : training.labels) churned += label;
  churn["train_cutoffs"] = TimesJson(cutoffs);
  churn["train_rows"] = training.rows();
  churn["train_churn_rate"] = churned / static_cast<double>(training.rows());
  churn["scored"] = now.rows();
  churn["mean_probability"] = now.rows() > 0 ? sum / static_cast<double>(now.rows()) : 0.0;
  summary["churn"] = std::move(churn);
  return Status::Ok();
}

}  // namespace mercato::scoring

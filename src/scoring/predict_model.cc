// The predict run: purchase models (predict_clv.cc) and the churn model (predict_churn.cc).

#include "core/time_format.h"
#include "scoring/drift.h"
#include "scoring/models.h"
#include "scoring/predict_parts.h"

namespace mercato::scoring {

Result<ModelOutput> RunPredictModel(const CustomerTable& table, const RunRequest& request) {
  const std::vector<analytics::customer::CustomerHistory> histories = table.Histories();
  std::map<std::string, CustomerScores> scores;
  ModelOutput output;
  output.summary["as_of"] = FormatTimestamp(request.as_of_us);
  RETURN_IF_ERROR(FitPurchaseModels(histories, request, scores, output.summary));
  RETURN_IF_ERROR(FitChurnModel(histories, request, scores, output.summary));
  // The score distributions, against which the next run's drift is measured (scoring/drift.h).
  std::vector<double> churn, alive;
  for (const auto& [id, score] : scores) {
    if (score.churn_probability) churn.push_back(*score.churn_probability);
    alive.push_back(score.p_alive);
  }
  output.summary["distribution"] = {{"churn_probability", HistogramJson(ScoreHistogram(churn))},
                                    {"p_alive", HistogramJson(ScoreHistogram(alive))}};
  for (const auto& [id, score] : scores) {
    Predictions update;
    update.p_alive = score.p_alive;
    update.expected_purchases_90d = score.expected_purchases_90d;
    update.clv = score.clv;
    update.churn_probability = score.churn_probability;
    output.predictions.emplace_back(id, std::move(update));
  }
  return output;
}

}  // namespace mercato::scoring

// BG/NBD, Gamma-Gamma and CLV (analytics/clv/) over the stored customers' purchases.

#include <boost/json/array.hpp>

#include "analytics/clv/bgnbd.h"
#include "analytics/clv/customer_summary.h"
#include "analytics/clv/gamma_gamma.h"
#include "analytics/clv/lifetime_value.h"
#include "scoring/predict_parts.h"

namespace mercato::scoring {
namespace json = boost::json;
namespace clv = analytics::clv;

namespace {

constexpr double kExpectedPurchasesDays = 90;  // the horizon of expected_purchases_90d

Status WithContext(const Status& status, std::string_view context) {
  return Status(status.code(), std::string(context) + status.message());
}

json::object ReportJson(const clv::MleReport& report) {
  return json::object{{"log_likelihood", report.log_likelihood},
                      {"converged", report.converged},
                      {"evaluations", report.evaluations}};
}

}  // namespace

Status FitPurchaseModels(std::span<const analytics::customer::CustomerHistory> histories,
                         const RunRequest& request, std::map<std::string, CustomerScores>& scores,
                         json::object& summary) {
  const PredictParams& params = request.predict;
  // Purchases only: the BG/NBD counts purchases, and refunds are not transactions of value.
  std::vector<clv::Transaction> purchases;
  for (const auto& history : histories) {
    for (const auto& transaction : history.transactions) {
      if (transaction.amount_micros <= 0 || transaction.time_us >= request.as_of_us) continue;
      purchases.push_back(clv::Transaction{history.customer_id, transaction.time_us,
                                           static_cast<double>(transaction.amount_micros) / 1e6});
    }
  }
  clv::SummaryOptions options;
  options.calibration_end_us = request.as_of_us - 1;  // the day before as_of is the last one read
  ASSIGN_OR_RETURN(std::vector<clv::SummarizedCustomer> summarized,
                   clv::SummarizeTransactions(purchases, options));
  std::vector<clv::CustomerSummary> customers;
  int64_t repeat_buyers = 0;
  for (const auto& entry : summarized) {
    customers.push_back(entry.summary);
    if (entry.summary.frequency > 0) ++repeat_buyers;
  }
  if (static_cast<int64_t>(customers.size()) < params.min_customers) {
    return Status::FailedPrecondition(
        "predict: " + std::to_string(customers.size()) +
        " customers with profiling consent have a purchase before as_of; at least " +
        std::to_string(params.min_customers) + " are needed (parameter min_customers)");
  }
  if (repeat_buyers < params.min_repeat_buyers) {
    return Status::FailedPrecondition(
        "predict: " + std::to_string(repeat_buyers) +
        " customers bought on more than one day before as_of; at least " +
        std::to_string(params.min_repeat_buyers) + " are needed (parameter min_repeat_buyers)");
  }
  clv::MleOptions mle;
  mle.threads = 1;
  ASSIGN_OR_RETURN(clv::BgNbdData bg_data, clv::BgNbdData::Create(customers));
  auto bg_fit = clv::FitBgNbd(bg_data, mle);
  if (!bg_fit.ok()) return WithContext(bg_fit.status(), "predict: BG/NBD fit: ");
  ASSIGN_OR_RETURN(clv::GammaGammaData gg_data, clv::GammaGammaData::Create(customers));
  auto gg_fit = clv::FitGammaGamma(gg_data, mle);
  if (!gg_fit.ok()) return WithContext(gg_fit.status(), "predict: Gamma-Gamma fit: ");

  clv::LifetimeValueOptions lifetime;
  lifetime.months = static_cast<int>(params.clv_months);
  lifetime.monthly_discount_rate = params.monthly_discount_rate;
  lifetime.time_units_per_month = 30.0;
  double clv_total = 0;
  int64_t clv_missing = 0;
  for (const auto& entry : summarized) {
    CustomerScores& customer = scores[entry.customer_id];
    ASSIGN_OR_RETURN(customer.p_alive, clv::ProbabilityAlive(bg_fit->params, entry.summary));
    ASSIGN_OR_RETURN(customer.expected_purchases_90d,
                     clv::ExpectedPurchases(bg_fit->params, entry.summary, kExpectedPurchasesDays));
    auto value =
        clv::CustomerLifetimeValue(bg_fit->params, gg_fit->params, entry.summary, lifetime);
    if (value.ok()) {
      customer.clv = *value;
      clv_total += *value;
    } else {
      ++clv_missing;  // e.g. p x + q <= 1: the customer's expected spend does not exist
    }
  }
  const auto& bg = bg_fit->params;
  const auto& gg = gg_fit->params;
  summary["customers"] = customers.size();
  summary["repeat_buyers"] = repeat_buyers;
  summary["bgnbd"] =
      json::object{{"r", bg.r}, {"alpha", bg.alpha},  {"a", bg.a},
                   {"b", bg.b}, {"time_unit", "day"}, {"fit", ReportJson(bg_fit->report)}};
  summary["gamma_gamma"] = json::object{{"p", gg.p},
                                        {"q", gg.q},
                                        {"gamma", gg.gamma},
                                        {"repeat_buyers", gg_data.repeat_buyers()},
                                        {"fit", ReportJson(gg_fit->report)}};
  const int64_t valued = static_cast<int64_t>(summarized.size()) - clv_missing;
  summary["clv"] =
      json::object{{"months", params.clv_months},
                   {"monthly_discount_rate", params.monthly_discount_rate},
                   {"total", clv_total},
                   {"mean", valued > 0 ? clv_total / static_cast<double>(valued) : 0.0},
                   {"customers_without_value", clv_missing}};
  return Status::Ok();
}

}  // namespace mercato::scoring

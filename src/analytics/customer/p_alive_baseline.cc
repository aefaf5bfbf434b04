#include "analytics/customer/p_alive_baseline.h"

#include <map>
#include <string_view>

#include "analytics/clv/bgnbd.h"
#include "analytics/clv/customer_summary.h"

namespace mercato::analytics::customer {

Result<BgNbdScores> BgNbdBaseline(std::span<const CustomerHistory> histories,
                                  const ChurnExamples& eval, double horizon_days, int threads) {
  if (!(horizon_days >= 0)) return Status::InvalidArgument("the horizon must not be negative");
  BgNbdScores scores;
  if (eval.rows() == 0) return scores;
  const int64_t cutoff = eval.cutoffs_us.front();
  for (int64_t other : eval.cutoffs_us) {
    if (other != cutoff) return Status::InvalidArgument("P(alive) rows must share one cutoff");
  }
  std::vector<clv::Transaction> purchases;
  for (const CustomerHistory& history : histories) {
    for (const Transaction& t : history.transactions) {
      if (t.time_us >= cutoff) break;
      if (t.amount_micros <= 0) continue;
      purchases.push_back(clv::Transaction{.customer_id = history.customer_id,
                                           .time_us = t.time_us,
                                           .amount = static_cast<double>(t.amount_micros) / 1e6});
    }
  }
  // The calibration period ends with the period (UTC day) of the last instant before the cutoff.
  ASSIGN_OR_RETURN(std::vector<clv::SummarizedCustomer> summaries,
                   clv::SummarizeTransactions(purchases, {.calibration_end_us = cutoff - 1,
                                                          .period_us = clv::kMicrosPerDay,
                                                          .unit_us = clv::kMicrosPerDay}));
  std::vector<clv::CustomerSummary> plain;
  plain.reserve(summaries.size());
  std::map<std::string_view, size_t> index;
  for (const clv::SummarizedCustomer& customer : summaries) {
    index.emplace(customer.customer_id, plain.size());
    plain.push_back(customer.summary);
  }
  ASSIGN_OR_RETURN(clv::BgNbdData data, clv::BgNbdData::Create(plain));
  ASSIGN_OR_RETURN(clv::BgNbdFit fit, clv::FitBgNbd(data, {.threads = threads}));
  scores.p_alive.reserve(eval.rows());
  scores.expected_purchases.reserve(eval.rows());
  for (const std::string& id : eval.customer_ids) {
    const auto it = index.find(id);
    if (it == index.end()) {
      return Status::InvalidArgument("customer '" + id + "' has no purchase before the cutoff");
    }
    const clv::CustomerSummary& summary = plain[it->second];
    ASSIGN_OR_RETURN(double alive, clv::ProbabilityAlive(fit.params, summary));
    ASSIGN_OR_RETURN(double expected, clv::ExpectedPurchases(fit.params, summary, horizon_days));
    scores.p_alive.push_back(alive);
    scores.expected_purchases.push_back(expected);
  }
  return scores;
}

Result<std::vector<double>> BgNbdPAlive(std::span<const CustomerHistory> histories,
                                        const ChurnExamples& eval, int threads) {
  ASSIGN_OR_RETURN(BgNbdScores scores, BgNbdBaseline(histories, eval, 0, threads));
  return std::move(scores.p_alive);
}

}  // namespace mercato::analytics::customer

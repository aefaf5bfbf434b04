// Acquisition-month cohorts (analytics/customer/cohorts.h) over the stored customers.

#include <boost/json/parse.hpp>

#include "analytics/customer/cohorts.h"
#include "scoring/models.h"

namespace mercato::scoring {
namespace json = boost::json;
namespace customer = analytics::customer;

Result<ModelOutput> RunCohortsModel(const CustomerTable& table, const RunRequest& request) {
  const std::vector<customer::CustomerHistory> histories = table.Histories();
  customer::CohortOptions options;
  options.end_us = request.as_of_us;
  ASSIGN_OR_RETURN(customer::CohortTable cohorts, customer::BuildCohorts(histories, options));
  ModelOutput output;
  boost::system::error_code ec;
  json::value document = json::parse(customer::CohortsToJson(cohorts), ec);
  if (ec || !document.is_object()) return Status::Internal("cohorts JSON did not parse");
  output.summary = std::move(document.get_object());
  customer::HeatmapOptions heatmap;
  heatmap.metric = request.cohorts.revenue_heatmap ? customer::CohortMetric::kRevenue
                                                   : customer::CohortMetric::kRetention;
  output.artifacts.emplace_back("csv", customer::CohortsToCsv(cohorts));
  output.artifacts.emplace_back("svg", customer::CohortHeatmapSvg(cohorts, heatmap));
  return output;
}

}  // namespace mercato::scoring

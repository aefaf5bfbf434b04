// RFM quintiles and named segments (analytics/customer/rfm.h) over the stored customers.

#include <boost/json/array.hpp>

#include "analytics/customer/rfm.h"
#include "core/time_format.h"
#include "scoring/models.h"

namespace mercato::scoring {
namespace json = boost::json;
namespace customer = analytics::customer;

Result<ModelOutput> RunRfmModel(const CustomerTable& table, const RunRequest& request) {
  const std::vector<customer::CustomerHistory> histories = table.Histories();
  ASSIGN_OR_RETURN(customer::RfmResult rfm, customer::ComputeRfm(histories, request.as_of_us));
  if (rfm.customers.empty()) {
    return Status::FailedPrecondition(
        "rfm: no customer with profiling consent has a purchase "
        "before as_of " +
        FormatTimestamp(request.as_of_us));
  }
  ModelOutput output;
  std::array<int64_t, customer::kRfmSegmentCount> revenue{};
  int64_t total_revenue = 0;
  for (const customer::RfmCustomer& scored : rfm.customers) {
    Predictions update;
    update.rfm_score =
        scored.recency_score * 100 + scored.frequency_score * 10 + scored.monetary_score;
    update.rfm_segment = std::string(customer::RfmSegmentKey(scored.segment));
    output.predictions.emplace_back(scored.customer_id, std::move(update));
    revenue[static_cast<size_t>(scored.segment)] += scored.monetary_micros;
    total_revenue += scored.monetary_micros;
  }
  json::array segments;
  const double scored = static_cast<double>(rfm.customers.size());
  for (size_t index = 0; index < customer::kRfmSegmentCount; ++index) {
    const auto segment = static_cast<customer::RfmSegment>(index);
    json::object entry;
    entry["segment"] = customer::RfmSegmentKey(segment);
    entry["name"] = customer::RfmSegmentName(segment);
    entry["customers"] = rfm.segment_counts[index];
    entry["share"] = static_cast<double>(rfm.segment_counts[index]) / scored;
    entry["revenue"] = static_cast<double>(revenue[index]) / 1e6;
    entry["revenue_share"] =
        total_revenue > 0
            ? json::value(static_cast<double>(revenue[index]) / static_cast<double>(total_revenue))
            : json::value(nullptr);
    segments.push_back(std::move(entry));
  }
  output.summary["as_of"] = FormatTimestamp(request.as_of_us);
  output.summary["customers_scored"] = rfm.customers.size();
  output.summary["customers_without_purchase"] = table.customers.size() - rfm.customers.size();
  output.summary["revenue"] = static_cast<double>(total_revenue) / 1e6;
  output.summary["segments"] = std::move(segments);
  return output;
}

}  // namespace mercato::scoring

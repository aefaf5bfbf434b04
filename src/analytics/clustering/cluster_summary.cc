#include "analytics/clustering/cluster_summary.h"

#include <algorithm>
#include <boost/json/object.hpp>

namespace mercato::analytics::clustering {

Result<std::vector<ClusterSummary>> SummariseClusters(const FeatureMatrix& original,
                                                      std::span<const int32_t> labels,
                                                      const SummaryOptions& options) {
  const size_t n = original.rows();
  const size_t d = original.cols();
  if (labels.size() != n) {
    return Status::InvalidArgument("expected one label per row (" + std::to_string(n) + "), got " +
                                   std::to_string(labels.size()));
  }
  std::optional<size_t> revenue_column;
  if (!options.revenue_column.empty()) {
    const auto& columns = original.columns();
    const auto it = std::find(columns.begin(), columns.end(), options.revenue_column);
    if (it == columns.end()) {
      return Status::InvalidArgument("no column named '" + options.revenue_column + "'");
    }
    revenue_column = static_cast<size_t>(it - columns.begin());
  }
  int32_t max_label = -1;
  for (int32_t label : labels) {
    if (label < -1) return Status::InvalidArgument("labels must be >= -1");
    max_label = std::max(max_label, label);
  }
  const size_t clusters = max_label < 0 ? 0 : static_cast<size_t>(max_label) + 1;
  if (!options.centres.empty() && options.centres.size() < clusters * d) {
    return Status::InvalidArgument("centres must hold cols values for each of the " +
                                   std::to_string(clusters) + " clusters");
  }
  if (!options.centres.empty() && options.centres.size() % d != 0) {
    return Status::InvalidArgument("centres must hold cols values per cluster");
  }

  // Slot c + 1 for cluster c, slot 0 for noise.
  std::vector<size_t> sizes(clusters + 1, 0);
  std::vector<double> sums((clusters + 1) * d, 0.0);
  double total_revenue = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const size_t slot = static_cast<size_t>(static_cast<int64_t>(labels[i]) + 1);
    ++sizes[slot];
    for (size_t j = 0; j < d; ++j) sums[slot * d + j] += original.at(i, j);
    if (revenue_column) total_revenue += original.at(i, *revenue_column);
  }
  std::vector<ClusterSummary> summaries;
  auto summarise = [&](size_t slot) {
    if (sizes[slot] == 0) return;
    ClusterSummary summary;
    summary.cluster = static_cast<int32_t>(slot) - 1;
    summary.size = sizes[slot];
    summary.share = static_cast<double>(sizes[slot]) / static_cast<double>(n);
    for (size_t j = 0; j < d; ++j) {
      ColumnSummary column{original.columns()[j],
                           sums[slot * d + j] / static_cast<double>(sizes[slot]), std::nullopt};
      if (slot > 0 && !options.centres.empty()) column.centre = options.centres[(slot - 1) * d + j];
      summary.columns.push_back(std::move(column));
    }
    if (revenue_column) {
      summary.revenue = sums[slot * d + *revenue_column];
      if (total_revenue > 0.0) summary.revenue_share = *summary.revenue / total_revenue;
    }
    summaries.push_back(std::move(summary));
  };
  for (size_t slot = 1; slot <= clusters; ++slot) summarise(slot);
  summarise(0);
  return summaries;
}

boost::json::array SummariesToJson(const std::vector<ClusterSummary>& summaries) {
  boost::json::array out;
  out.reserve(summaries.size());
  for (const ClusterSummary& summary : summaries) {
    boost::json::object columns;
    for (const ColumnSummary& column : summary.columns) {
      boost::json::object figures{{"mean", column.mean}};
      if (column.centre) figures["centre"] = *column.centre;
      columns[column.column] = std::move(figures);
    }
    boost::json::object object{{"cluster", summary.cluster},
                               {"size", summary.size},
                               {"share", summary.share},
                               {"columns", std::move(columns)}};
    if (summary.revenue) object["revenue"] = *summary.revenue;
    if (summary.revenue_share) object["revenue_share"] = *summary.revenue_share;
    out.emplace_back(std::move(object));
  }
  return out;
}

std::vector<size_t> ClusterMembers(std::span<const int32_t> labels, int32_t cluster) {
  std::vector<size_t> rows;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == cluster) rows.push_back(i);
  }
  return rows;
}

}  // namespace mercato::analytics::clustering

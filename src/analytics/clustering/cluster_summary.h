#pragma once
// Readable summaries of a clustering (k-means or DBSCAN): per cluster its size, its share of the
// rows, the mean of each column in original units, optionally the cluster centre mapped back to
// original units, and the cluster's share of revenue when a revenue column is named. Also the rows
// of one cluster, which the caller maps to customer ids to save the cluster as a segment.
//
// Thread safety: the functions are reentrant.

#include <boost/json/array.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analytics/feature_matrix.h"
#include "core/status.h"

namespace mercato::analytics::clustering {

struct ColumnSummary {
  std::string column;
  double mean = 0.0;             // arithmetic mean of the cluster's rows, in original units
  std::optional<double> centre;  // the cluster's centre in original units, when centres are given
};

struct ClusterSummary {
  int32_t cluster = 0;  // -1 for DBSCAN's noise
  size_t size = 0;
  double share = 0.0;  // size / all rows
  std::vector<ColumnSummary> columns;
  std::optional<double> revenue;        // sum of the revenue column over the cluster's rows
  std::optional<double> revenue_share;  // revenue / total revenue; absent when the total is <= 0
};

struct SummaryOptions {
  // A column of the matrix that holds each row's revenue; empty for no revenue figures.
  std::string revenue_column;
  // One centre per cluster number (clusters x cols, row-major) already in original units, e.g.
  // FeatureTransform::Inverse(KMeansResult::centres); empty for none (DBSCAN).
  std::vector<double> centres;
};

// Summaries of the clusters that have rows, by ascending cluster number, noise (-1) last.
// `original` holds the rows in original units (before any FeatureTransform), `labels` one cluster
// number (or -1) per row. InvalidArgument when the sizes differ, a label is below -1, the revenue
// column does not exist, or the centres do not cover every cluster number with cols values each.
Result<std::vector<ClusterSummary>> SummariseClusters(const FeatureMatrix& original,
                                                      std::span<const int32_t> labels,
                                                      const SummaryOptions& options);

// [{"cluster": 0, "size": 1200, "share": 0.277, "columns": {"<column>": {"mean": ..,
// "centre": ..}, ...}, "revenue": .., "revenue_share": ..}, ...]; absent figures are left out.
boost::json::array SummariesToJson(const std::vector<ClusterSummary>& summaries);

// The rows labelled `cluster`, ascending.
std::vector<size_t> ClusterMembers(std::span<const int32_t> labels, int32_t cluster);

}  // namespace mercato::analytics::clustering

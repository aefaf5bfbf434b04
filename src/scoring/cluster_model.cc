// Customer clusters (analytics/clustering/) over RFM-style features of the stored customers.

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>
#include <cmath>

#include "analytics/clustering/choose_k.h"
#include "analytics/clustering/cluster_summary.h"
#include "analytics/clustering/dbscan.h"
#include "analytics/clustering/feature_transform.h"
#include "analytics/clustering/kmeans.h"
#include "analytics/clustering/metrics.h"
#include "analytics/clustering/projection.h"
#include "analytics/customer/rfm.h"
#include "core/time_format.h"
#include "scoring/models.h"

namespace mercato::scoring {
namespace json = boost::json;
namespace customer = analytics::customer;
namespace clustering = analytics::clustering;

namespace {

const std::vector<std::string>& FeatureNames() {
  static const std::vector<std::string> kNames = {"recency_days", "frequency", "monetary",
                                                  "tenure_days"};
  return kNames;
}

// Rows in original units, one per customer with a purchase before as_of (ids parallel).
Result<analytics::FeatureMatrix> BuildFeatures(const CustomerTable& table, int64_t as_of_us,
                                               std::vector<std::string>& ids) {
  const std::vector<customer::CustomerHistory> histories = table.Histories();
  ASSIGN_OR_RETURN(customer::RfmResult rfm, customer::ComputeRfm(histories, as_of_us));
  ASSIGN_OR_RETURN(analytics::FeatureMatrix matrix,
                   analytics::FeatureMatrix::Create(FeatureNames()));
  size_t history_index = 0;
  for (const customer::RfmCustomer& scored : rfm.customers) {
    // Both lists are in table order; find this customer's history for its first purchase.
    while (histories[history_index].customer_id != scored.customer_id) ++history_index;
    int64_t first_purchase_us = as_of_us;
    for (const customer::Transaction& transaction : histories[history_index].transactions) {
      if (transaction.amount_micros > 0 && transaction.time_us < as_of_us) {
        first_purchase_us = transaction.time_us;
        break;
      }
    }
    const double row[] = {
        scored.recency_days, static_cast<double>(scored.frequency),
        // log1p needs > -1: refunds beyond purchases count as no value.
        std::max(0.0, static_cast<double>(scored.monetary_micros) / 1e6),
        static_cast<double>(as_of_us - first_purchase_us) / static_cast<double>(kMicrosPerDay)};
    RETURN_IF_ERROR(matrix.AddRow(row));
    ids.push_back(scored.customer_id);
  }
  return matrix;
}

// At most this many customers are drawn in the projection: enough to show the clusters' shapes,
// few enough for a browser to draw and for the run record to stay small.
constexpr size_t kMaxProjectedPoints = 2000;

// {"method": "pca", "explainedVariance": [r1, r2], "components": [[d loadings], [d loadings]],
//  "points": [[x, y, cluster], ...]}: the prepared features (what the clustering measured) on
// their first two principal components, for an evenly strided sample of the rows (every row when
// there are few), in row order. Coordinates are rounded to 1e-4, far below what a plot shows.
Result<json::object> ProjectionJson(const analytics::FeatureMatrix& prepared,
                                    const std::vector<int32_t>& labels) {
  ASSIGN_OR_RETURN(clustering::Pca2d pca, clustering::Pca2d::Fit(prepared));
  auto rounded = [](double value) { return std::round(value * 1e4) / 1e4; };
  json::array points;
  for (size_t row : clustering::EvenlyStridedRows(prepared.rows(), kMaxProjectedPoints)) {
    const std::array<double, 2> point = pca.Project(prepared.row(row));
    points.push_back(json::array{rounded(point[0]), rounded(point[1]), labels[row]});
  }
  json::array components;
  for (const std::vector<double>& component : pca.components()) {
    json::array loadings;
    for (double loading : component) loadings.emplace_back(rounded(loading));
    components.push_back(std::move(loadings));
  }
  const std::array<double, 2>& ratios = pca.explained_variance_ratio();
  return json::object{{"method", "pca"},
                      {"explainedVariance", json::array{ratios[0], ratios[1]}},
                      {"components", std::move(components)},
                      {"points", std::move(points)}};
}

}  // namespace

Result<ModelOutput> RunClusterModel(const CustomerTable& table, const RunRequest& request) {
  const ClusterParams& params = request.cluster;
  std::vector<std::string> ids;
  ASSIGN_OR_RETURN(analytics::FeatureMatrix original, BuildFeatures(table, request.as_of_us, ids));
  const size_t needed =
      params.dbscan ? 2 : static_cast<size_t>(params.k ? *params.k + 1 : params.k_max + 1);
  if (original.rows() < needed) {
    return Status::FailedPrecondition(
        "cluster: " + std::to_string(original.rows()) +
        " customers with a purchase and profiling consent; this clustering needs at least " +
        std::to_string(needed));
  }
  ASSIGN_OR_RETURN(clustering::FeatureTransform transform,
                   clustering::FeatureTransform::Fit(
                       original, clustering::ColumnTransform{.log1p = true, .standardise = true}));
  ASSIGN_OR_RETURN(analytics::FeatureMatrix prepared, transform.Apply(original));

  ModelOutput output;
  std::vector<int32_t> labels;
  clustering::SummaryOptions summary_options;
  summary_options.revenue_column = "monetary";
  if (params.dbscan) {
    clustering::DbscanOptions options;
    options.eps = params.eps;
    options.min_samples = static_cast<size_t>(params.min_samples);
    ASSIGN_OR_RETURN(clustering::DbscanResult result, clustering::Dbscan(prepared, options));
    labels = std::move(result.labels);
    output.summary["algorithm"] = "dbscan";
    output.summary["eps"] = params.eps;
    output.summary["min_samples"] = params.min_samples;
    output.summary["clusters_found"] = result.clusters;
    output.summary["noise"] = result.noise;
  } else {
    clustering::KMeansOptions kmeans;
    kmeans.seed = params.seed;
    clustering::SilhouetteOptions silhouette;
    silhouette.sample_size = static_cast<size_t>(params.sample_size);
    silhouette.seed = params.seed;
    clustering::KMeansResult result;
    if (params.k) {
      kmeans.k = static_cast<size_t>(*params.k);
      ASSIGN_OR_RETURN(result, clustering::KMeans(prepared, kmeans));
      ASSIGN_OR_RETURN(double score,
                       clustering::SilhouetteScore(prepared, result.labels, silhouette));
      output.summary["silhouette"] = score;
    } else {
      clustering::ChooseKOptions choose;
      choose.k_min = static_cast<size_t>(params.k_min);
      choose.k_max = static_cast<size_t>(params.k_max);
      choose.kmeans = kmeans;
      choose.silhouette = silhouette;
      ASSIGN_OR_RETURN(clustering::ChooseKResult chosen, clustering::ChooseK(prepared, choose));
      json::array scores;
      for (const clustering::KScore& score : chosen.scores) {
        scores.push_back(json::object{
            {"k", score.k}, {"silhouette", score.silhouette}, {"inertia", score.inertia}});
        if (score.k == chosen.best_k) output.summary["silhouette"] = score.silhouette;
      }
      output.summary["k_scores"] = std::move(scores);
      result = std::move(chosen.best);
    }
    ASSIGN_OR_RETURN(summary_options.centres, transform.Inverse(result.centres));
    output.summary["algorithm"] = "kmeans";
    output.summary["k"] = result.k;
    output.summary["inertia"] = result.inertia;
    labels = std::move(result.labels);
  }
  ASSIGN_OR_RETURN(std::vector<clustering::ClusterSummary> summaries,
                   clustering::SummariseClusters(original, labels, summary_options));
  json::array features;
  for (const std::string& name : FeatureNames()) features.emplace_back(name);
  output.summary["as_of"] = FormatTimestamp(request.as_of_us);
  output.summary["customers"] = ids.size();
  output.summary["features"] = std::move(features);
  output.summary["clusters"] = clustering::SummariesToJson(summaries);
  ASSIGN_OR_RETURN(output.summary["projection"], ProjectionJson(prepared, labels));
  for (size_t row = 0; row < ids.size(); ++row) {
    Predictions update;
    update.cluster = labels[row];
    output.predictions.emplace_back(ids[row], std::move(update));
  }
  return output;
}

}  // namespace mercato::scoring

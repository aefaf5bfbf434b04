// Predict, cluster and cohorts runs over a synthetic but realistic customer base stored through
// the log and the profile builder: values in range, written for every buyer, merged across runs.

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>
#include <random>

#include "scoring/run_record.h"
#include "scoring_fixture.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

constexpr int kCustomers = 400;
constexpr double kAsOfDay = 730;                       // two years of data
constexpr const char* kAsOf = "2025-12-31T00:00:00Z";  // Day(730)

// Customers arrive over the first 600 days, buy as a Poisson process with their own rate and stop
// for good after an exponential lifetime (a BG/NBD-like world). Seeded: the same data every run.
class ModelRunsTest : public ScoringFixture {
 protected:
  void SetUp() override {
    ScoringFixture::SetUp();
    std::mt19937_64 rng(20240101);
    std::uniform_real_distribution<double> uniform(0, 1);
    for (int index = 0; index < kCustomers; ++index) {
      const std::string user = "u" + std::to_string(index);
      const double start = 600 * uniform(rng);
      const double lifetime = -250 * std::log(1 - uniform(rng));
      const double mean_gap = 10 + 80 * uniform(rng);
      const double spend = 20 + 80 * uniform(rng);
      const double end = std::min(start + lifetime, kAsOfDay - 0.01);
      for (double day = start; day < end; day += -mean_gap * std::log(1 - uniform(rng))) {
        Order(user, day, std::round(spend * (0.5 + uniform(rng)) * 100) / 100);
      }
    }
    Process();
  }
  std::vector<std::string> Buyers() {
    std::vector<std::string> out;
    for (int index = 0; index < kCustomers; ++index) {
      auto id = profiles_->Resolve("u" + std::to_string(index));
      if (id.ok()) out.push_back(*id);
    }
    return out;
  }
};

TEST_F(ModelRunsTest, PredictWritesEveryScoreAndReportsTheFits) {
  scoring::RunRecord record = Run("predict", std::string(R"({"as_of": ")") + kAsOf + "\"}");
  ASSERT_EQ(record.status, "done") << record.error;
  const json::object& result = record.result.as_object();
  const json::object& bg = result.at("bgnbd").as_object();
  for (const char* name : {"r", "alpha", "a", "b"}) EXPECT_GT(bg.at(name).as_double(), 0) << name;
  const json::object& gg = result.at("gamma_gamma").as_object();
  EXPECT_GT(gg.at("p").as_double(), 0);
  EXPECT_GT(gg.at("repeat_buyers").to_number<double>(), 20);
  const json::object& churn = result.at("churn").as_object();
  const json::object& holdout = churn.at("holdout").as_object();
  ASSERT_FALSE(holdout.contains("error")) << json::serialize(holdout);
  const double model_auc = holdout.at("model_auc").as_double();
  std::cout << "[ scoring ] holdout: " << json::serialize(holdout) << "\n";
  std::cout << "[ scoring ] bgnbd: " << json::serialize(bg) << "\n";
  EXPECT_GT(model_auc, 0.6) << "the churn model should rank better than chance on this data";
  EXPECT_TRUE(holdout.at("p_alive_auc").is_double());

  size_t scored = 0;
  PredictionStore store(*store_);
  for (const std::string& id : Buyers()) {
    auto stored = store.Get(id);
    ASSERT_TRUE(stored.ok());
    ++scored;
    ASSERT_TRUE(stored->p_alive && stored->churn_probability && stored->expected_purchases_90d);
    EXPECT_GE(*stored->p_alive, 0);
    EXPECT_LE(*stored->p_alive, 1);
    EXPECT_GE(*stored->churn_probability, 0);
    EXPECT_LE(*stored->churn_probability, 1);
    EXPECT_GE(*stored->expected_purchases_90d, 0);
    if (stored->clv) {
      EXPECT_GE(*stored->clv, 0);
    }
    EXPECT_EQ(stored->runs.at("p_alive"), record.id);
  }
  EXPECT_EQ(scored, result.at("customers").to_number<size_t>());
  EXPECT_EQ(result.at("predictions_written").to_number<size_t>(), scored);

  // A later RFM run adds its fields and keeps the churn scores.
  const std::string first = Buyers().front();
  const double churn_before = *store.Get(first)->churn_probability;
  scoring::RunRecord rfm = Run("rfm", std::string(R"({"as_of": ")") + kAsOf + "\"}");
  Predictions merged = *store.Get(first);
  EXPECT_EQ(merged.churn_probability, churn_before);
  EXPECT_EQ(merged.runs.at("churn_probability"), record.id);
  EXPECT_EQ(merged.runs.at("rfm_segment"), rfm.id);
  EXPECT_TRUE(merged.rfm_segment.has_value());
}

TEST_F(ModelRunsTest, PredictAfterTheDataEndsFailsWithoutWriting) {
  // Two years after the last order nobody buys in any label window: one class only.
  auto record = runner_->Run("predict", json::parse(R"({"as_of": "2027-12-31"})").as_object());
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(record.status().message().find("churn model"), std::string::npos)
      << record.status().ToString();
  for (const std::string& id : Buyers()) {
    EXPECT_TRUE(PredictionStore(*store_).Get(id)->empty());
  }
}

TEST_F(ModelRunsTest, KMeansWithAChosenKLabelsEveryBuyer) {
  scoring::RunRecord record = Run(
      "cluster", std::string(R"({"k_min": 2, "k_max": 5, "seed": 7, "as_of": ")") + kAsOf + "\"}");
  ASSERT_EQ(record.status, "done") << record.error;
  const json::object& result = record.result.as_object();
  const int64_t k = result.at("k").to_number<int64_t>();
  EXPECT_GE(k, 2);
  EXPECT_LE(k, 5);
  EXPECT_EQ(result.at("k_scores").as_array().size(), 4u);
  size_t total = 0;
  double revenue_share = 0;
  for (const json::value& cluster : result.at("clusters").as_array()) {
    total += cluster.at("size").to_number<size_t>();
    revenue_share += cluster.at("revenue_share").to_number<double>();
    EXPECT_TRUE(cluster.at("columns").at("monetary").as_object().contains("centre"));
  }
  EXPECT_EQ(total, Buyers().size());
  EXPECT_NEAR(revenue_share, 1.0, 1e-9);
  for (const std::string& id : Buyers()) {
    auto stored = PredictionStore(*store_).Get(id);
    ASSERT_TRUE(stored->cluster.has_value());
    EXPECT_GE(*stored->cluster, 0);
    EXPECT_LT(*stored->cluster, k);
  }
  // The projection: every buyer (fewer than 2,000) on the plane, with its cluster.
  const json::object& projection = result.at("projection").as_object();
  EXPECT_EQ(projection.at("method"), "pca");
  const json::array& ratios = projection.at("explainedVariance").as_array();
  ASSERT_EQ(ratios.size(), 2u);
  EXPECT_GT(ratios[0].to_number<double>(), 0.25);  // four features: the first carries > 1/4
  EXPECT_GE(ratios[0].to_number<double>(), ratios[1].to_number<double>());
  EXPECT_LE(ratios[0].to_number<double>() + ratios[1].to_number<double>(), 1.0 + 1e-12);
  ASSERT_EQ(projection.at("components").as_array().size(), 2u);
  EXPECT_EQ(projection.at("components").at(0).as_array().size(), 4u);
  const json::array& points = projection.at("points").as_array();
  ASSERT_EQ(points.size(), Buyers().size());
  std::map<int64_t, size_t> per_cluster;
  for (const json::value& point : points) {
    ASSERT_EQ(point.as_array().size(), 3u);
    ++per_cluster[point.at(2).to_number<int64_t>()];
  }
  for (const json::value& cluster : result.at("clusters").as_array()) {
    EXPECT_EQ(per_cluster[cluster.at("cluster").to_number<int64_t>()],
              cluster.at("size").to_number<size_t>());
  }
  // Deterministic: the same parameters give the same clusters and the same picture.
  scoring::RunRecord again = Run(
      "cluster", std::string(R"({"k_min": 2, "k_max": 5, "seed": 7, "as_of": ")") + kAsOf + "\"}");
  EXPECT_EQ(json::serialize(again.result.at("clusters")),
            json::serialize(record.result.at("clusters")));
  EXPECT_EQ(json::serialize(again.result.at("projection")), json::serialize(projection));
}

TEST_F(ModelRunsTest, DbscanMarksNoiseAsMinusOne) {
  scoring::RunRecord record =
      Run("cluster",
          std::string(R"({"algorithm": "dbscan", "eps": 0.4, "min_samples": 5, "as_of": ")") +
              kAsOf + "\"}");
  ASSERT_EQ(record.status, "done") << record.error;
  const json::object& result = record.result.as_object();
  size_t noise = 0;
  for (const std::string& id : Buyers()) {
    auto stored = PredictionStore(*store_).Get(id);
    ASSERT_TRUE(stored->cluster.has_value());
    if (*stored->cluster == -1) ++noise;
  }
  EXPECT_EQ(noise, result.at("noise").to_number<size_t>());
  size_t noise_points = 0;
  for (const json::value& point : result.at("projection").at("points").as_array()) {
    if (point.at(2).to_number<int64_t>() == -1) ++noise_points;
  }
  EXPECT_EQ(noise_points, noise);
}

TEST_F(ModelRunsTest, CohortsKeepCsvAndSvgWithTheRun) {
  scoring::RunRecord record = Run("cohorts", std::string(R"({"as_of": ")") + kAsOf + "\"}");
  ASSERT_EQ(record.status, "done") << record.error;
  int64_t acquired = 0;
  for (const json::value& cohort : record.result.at("cohorts").as_array()) {
    acquired += cohort.at("size").to_number<int64_t>();
    EXPECT_DOUBLE_EQ(cohort.at("retention").as_array()[0].to_number<double>(), 1.0);
  }
  EXPECT_EQ(static_cast<size_t>(acquired), Buyers().size());
  scoring::RunStore runs(*store_);
  auto csv = runs.GetArtifact(record.id, "csv");
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->rfind("cohort,cohort_size,months_since_acquisition", 0), 0u);
  auto svg = runs.GetArtifact(record.id, "svg");
  ASSERT_TRUE(svg.ok());
  EXPECT_NE(svg->find("<svg"), std::string::npos);
  auto latest = runs.LatestDone("cohorts");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->id, record.id);
  EXPECT_EQ(record.result.at("predictions_written").to_number<int64_t>(), 0);
}

}  // namespace
}  // namespace mercato::testing

namespace mercato::testing {
namespace {

TEST_F(ModelRunsTest, PredictRunsReportScoreDistributionsAndDriftAgainstThePreviousRun) {
  scoring::RunRecord first = Run("predict", std::string(R"({"as_of": ")") + kAsOf + "\"}");
  ASSERT_EQ(first.status, "done") << first.error;
  const json::object& result = first.result.as_object();
  EXPECT_FALSE(result.contains("drift"));  // nothing to compare with yet
  const json::array& alive = result.at("distribution").at("p_alive").as_array();
  ASSERT_EQ(alive.size(), 10u);
  uint64_t total = 0;
  for (const json::value& count : alive) total += count.to_number<uint64_t>();
  EXPECT_EQ(total, result.at("customers").to_number<uint64_t>());

  // The same data and date again: the same distribution, no drift.
  scoring::RunRecord again = Run("predict", std::string(R"({"as_of": ")") + kAsOf + "\"}");
  ASSERT_EQ(again.status, "done") << again.error;
  const json::object& drift = again.result.at("drift").as_object();
  EXPECT_EQ(drift.at("against").as_string(), first.id);
  EXPECT_NEAR(drift.at("p_alive").as_double(), 0.0, 1e-12);
  EXPECT_TRUE(drift.at("churn_probability").is_double());

  // A year earlier the customer base looked different: the drift is measured against the run
  // before, and is positive.
  scoring::RunRecord earlier = Run("predict", R"({"as_of": "2024-12-31T00:00:00Z"})");
  ASSERT_EQ(earlier.status, "done") << earlier.error;
  const json::object& shifted = earlier.result.at("drift").as_object();
  EXPECT_EQ(shifted.at("against").as_string(), again.id);
  EXPECT_GT(shifted.at("p_alive").as_double(), 0.01);
}

}  // namespace
}  // namespace mercato::testing

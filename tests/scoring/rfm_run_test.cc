// Model runs over a real store: RFM against a hand computation, consent, merging with other runs'
// fields, parameter validation and failures that write nothing.

#include <gtest/gtest.h>

#include <map>

#include "scoring/customer_table.h"
#include "scoring/run_record.h"
#include "scoring_fixture.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

// Five buyers whose recency, frequency and monetary ranks are all distinct, so each score is the
// rank (n = 5, no ties: floor(5 (r - 0.5) / 5) + 1 = r). as_of = day 100.
//   c1: days 90, 95, 99 at 10     R 5 (last 1 day ago)  F 3  M 30  -> 1   cell 531 Potential
//   Loyalists c2: days 10, 98 at 100        R 4                   F 2  M 200 -> 4   cell 424
//   Potential Loyalists c3: day 97 at 500             R 3                   F 1  M 500 -> 5   cell
//   315 About to Sleep c4: days 20..96 (5) at 10     R 2                   F 5  M 50  -> 3   cell
//   253 Can't Lose Them c5: days 5, 10, 15, 20 at 10  R 1                   F 4  M 40  -> 2   cell
//   142 At Risk
// c6 buys but has withdrawn profiling consent; c7 has never bought.
class RfmRunTest : public ScoringFixture {
 protected:
  void SetUp() override {
    ScoringFixture::SetUp();
    for (double day : {90, 95, 99}) Order("c1", day, 10);
    for (double day : {10, 98}) Order("c2", day, 100);
    Order("c3", 97, 500);
    for (double day : {20, 40, 60, 80, 96}) Order("c4", day, 10);
    for (double day : {5, 10, 15, 20}) Order("c5", day, 10);
    Order("c6", 50, 1000);
    Consent("c6", false, 51);
    Queue(R"({"type":"identify","userId":"c7","traits":{"plan":"free"}})", Day(3));
    Process();
  }
  static constexpr const char* kAsOf = R"({"as_of": "2024-04-10T00:00:00Z"})";  // day 100
};

TEST_F(RfmRunTest, ScoresMatchAHandComputationAndConsentExcludes) {
  scoring::RunRecord record = Run("rfm", kAsOf);
  ASSERT_EQ(record.status, "done");
  const std::map<std::string, std::pair<double, std::string>> expected = {
      {"c1", {531, "potential_loyalists"}},
      {"c2", {424, "potential_loyalists"}},
      {"c3", {315, "about_to_sleep"}},
      {"c4", {253, "cant_lose_them"}},
      {"c5", {142, "at_risk"}}};
  for (const auto& [user, cell] : expected) {
    Predictions stored = Stored(user);
    EXPECT_EQ(stored.rfm_score, cell.first) << user;
    EXPECT_EQ(stored.rfm_segment, cell.second) << user;
    EXPECT_EQ(stored.runs["rfm_score"], record.id) << user;
    EXPECT_FALSE(stored.churn_probability.has_value()) << user;
  }
  EXPECT_TRUE(Stored("c6").empty()) << "no consent: not scored";
  EXPECT_TRUE(Stored("c7").empty()) << "no purchase: not scored";

  const json::object& result = record.result.as_object();
  EXPECT_EQ(result.at("customers_scored").as_uint64(), 5u);
  EXPECT_EQ(result.at("excluded_without_consent").as_uint64(), 1u);
  EXPECT_EQ(result.at("customers_with_consent").as_uint64(), 6u);  // c1..c5, c7
  std::map<std::string, int64_t> sizes;
  double revenue_share = 0;
  for (const json::value& entry : result.at("segments").as_array()) {
    sizes[std::string(entry.at("segment").as_string())] =
        entry.at("customers").to_number<int64_t>();
    revenue_share += entry.at("revenue_share").to_number<double>();
  }
  EXPECT_EQ(sizes["potential_loyalists"], 2);
  EXPECT_EQ(sizes["about_to_sleep"], 1);
  EXPECT_EQ(sizes["cant_lose_them"], 1);
  EXPECT_EQ(sizes["at_risk"], 1);
  EXPECT_EQ(sizes["champions"], 0);
  EXPECT_NEAR(revenue_share, 1.0, 1e-9);
  // Potential Loyalists hold c1 (30) and c2 (200) of 820.
  EXPECT_NEAR(result.at("segments").as_array()[2].at("revenue_share").to_number<double>(),
              230.0 / 820.0, 1e-9);

  // The run record can be read back and listed.
  scoring::RunStore runs(*store_);
  auto read = runs.Get(record.id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->status, "done");
  EXPECT_EQ(read->kind, "rfm");
  EXPECT_EQ(json::serialize(read->result), json::serialize(record.result));
}

TEST_F(RfmRunTest, ProfileAndPredictionsApiShowScores) {
  Run("rfm", kAsOf);
  auto json_text = profiles_->ProfileJson(Customer("c3"));
  ASSERT_TRUE(json_text.ok()) << json_text.status().ToString();
  json::object profile = json::parse(*json_text).as_object();
  const json::object& predictions = profile.at("predictions").as_object();
  EXPECT_EQ(predictions.at("rfm_segment").as_string(), "about_to_sleep");
  EXPECT_TRUE(predictions.at("churn_probability").is_null());
  auto unscored = json::parse(*profiles_->ProfileJson(Customer("c7"))).as_object();
  EXPECT_TRUE(unscored.at("predictions").at("rfm_score").is_null());
  EXPECT_TRUE(unscored.at("predictions").at("scoredAt").is_null());
  auto alone = profiles_->PredictionsJson(Customer("c1"));
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(json::parse(*alone).at("customerId").as_string(), Customer("c1"));
  EXPECT_EQ(json::parse(*alone).at("rfm_score").to_number<double>(), 531);
}

TEST_F(RfmRunTest, AnRfmRunKeepsOtherRunsFields) {
  // A churn score from an earlier predict run.
  Predictions churn;
  churn.churn_probability = 0.25;
  churn.runs["churn_probability"] = "run_earlier";
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(PredictionStore(*store_).MergeInto(batch, Customer("c2"), churn).ok());
  ASSERT_TRUE(store_->Write(batch, true).ok());

  scoring::RunRecord record = Run("rfm", kAsOf);
  Predictions stored = Stored("c2");
  EXPECT_EQ(stored.churn_probability, 0.25);
  EXPECT_EQ(stored.runs["churn_probability"], "run_earlier");
  EXPECT_EQ(stored.rfm_score, 424);
  EXPECT_EQ(stored.runs["rfm_segment"], record.id);
}

TEST_F(RfmRunTest, WithdrawingConsentAndRunningAgainDeletesPredictions) {
  Run("rfm", kAsOf);
  ASSERT_FALSE(Stored("c2").empty());
  Consent("c2", false, 99.5);
  Process();
  // Without consent the API shows nothing even before the next run.
  auto before = json::parse(*profiles_->PredictionsJson(Customer("c2")));
  EXPECT_TRUE(before.at("rfm_score").is_null());

  scoring::RunRecord again = Run("rfm", kAsOf);
  EXPECT_TRUE(Stored("c2").empty());
  const json::object& result = again.result.as_object();
  EXPECT_EQ(result.at("excluded_without_consent").as_uint64(), 2u);
  EXPECT_EQ(result.at("predictions_deleted").to_number<int64_t>(), 1);
  EXPECT_EQ(result.at("customers_scored").as_uint64(), 4u);
}

TEST_F(RfmRunTest, CustomerTableReadsOrdersAndSkipsRedirects) {
  // anon-1 browses and buys, then identifies as c1: its profile becomes a redirect.
  Queue(R"({"type":"track","anonymousId":"anon-1","event":"Order Completed",
            "properties":{"products":[{"price":5,"quantity":2},{"price":1}]}})",
        Day(1));
  Queue(R"({"type":"identify","anonymousId":"anon-1","userId":"c1"})", Day(2));
  Queue(R"({"type":"track","userId":"c1","event":"Order Refunded","properties":{"revenue":4}})",
        Day(3));
  Process();
  auto table = scoring::LoadCustomerTable(*store_);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->customers.size(), 6u);  // c1..c5, c7: the merged anonymous profile is gone
  EXPECT_EQ(table->excluded.size(), 1u);
  for (const scoring::CustomerRecord& record : table->customers) {
    if (record.history.customer_id != Customer("c1")) continue;
    ASSERT_EQ(record.history.transactions.size(), 5u);
    EXPECT_EQ(record.history.transactions[0].amount_micros, 11'000'000);
    EXPECT_EQ(record.history.transactions[0].units, 3);
    EXPECT_EQ(record.history.transactions[1].amount_micros, -4'000'000);
    EXPECT_EQ(record.history.transactions[4].time_us, Day(99));
  }
}

TEST_F(RfmRunTest, BadParametersAreInvalidArgumentNamingTheParameter) {
  auto expect_invalid = [&](std::string_view kind, const std::string& params,
                            const std::string& mentions) {
    auto record = runner_->Run(kind, json::parse(params).as_object());
    ASSERT_FALSE(record.ok()) << kind << " " << params;
    EXPECT_EQ(record.status().code(), StatusCode::kInvalidArgument) << record.status().ToString();
    EXPECT_NE(record.status().message().find(mentions), std::string::npos)
        << record.status().ToString();
  };
  expect_invalid("forecast", "{}", "kind");
  expect_invalid("rfm", R"({"k": 3})", "'k'");
  expect_invalid("rfm", R"({"as_of": "yesterday"})", "'as_of'");
  expect_invalid("cluster", R"({"k": 1})", "'k'");
  expect_invalid("cluster", R"({"k": "five"})", "'k'");
  expect_invalid("cluster", R"({"algorithm": "spectral"})", "'algorithm'");
  expect_invalid("cluster", R"({"algorithm": "dbscan", "eps": 0})", "'eps'");
  expect_invalid("cluster", R"({"k_min": 5, "k_max": 3})", "'k_max'");
  expect_invalid("predict", R"({"horizon_days": 3})", "'horizon_days'");
  expect_invalid("predict", R"({"monthly_discount_rate": -0.1})", "'monthly_discount_rate'");
  expect_invalid("cohorts", R"({"metric": "churn"})", "'metric'");
  auto listed = scoring::RunStore(*store_).List(100);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty()) << "invalid requests leave no run record";
}

TEST_F(RfmRunTest, TooLittleDataFailsClearlyAndWritesNothing) {
  auto record = runner_->Run("predict", json::parse(kAsOf).as_object());
  ASSERT_FALSE(record.ok());
  EXPECT_EQ(record.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(record.status().message().find("min_customers"), std::string::npos)
      << record.status().ToString();
  for (const char* user : {"c1", "c2", "c3", "c4", "c5"}) EXPECT_TRUE(Stored(user).empty());
  auto cluster = runner_->Run("cluster", json::parse(R"({"k": 8})").as_object());
  ASSERT_FALSE(cluster.ok());
  EXPECT_EQ(cluster.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Stored("c1").empty());
  // Both failures are recorded, newest first.
  auto listed = scoring::RunStore(*store_).List(10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].kind, "cluster");
  EXPECT_EQ((*listed)[0].status, "failed");
  EXPECT_EQ((*listed)[1].kind, "predict");
  EXPECT_NE((*listed)[1].error.find("FailedPrecondition"), std::string::npos);
}

}  // namespace
}  // namespace mercato::testing

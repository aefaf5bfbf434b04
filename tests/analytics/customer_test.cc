// RFM scores, cohorts and the churn model (src/analytics/customer/): hand-made fixtures with
// hand-computed results, and the churn model's time-based holdout on the UCI Online Retail data.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "analytics/customer/churn_evaluation.h"
#include "analytics/customer/churn_features.h"
#include "analytics/customer/churn_model.h"
#include "analytics/customer/cohorts.h"
#include "analytics/customer/p_alive_baseline.h"
#include "analytics/customer/rfm.h"
#include "analytics/customer/transactions.h"
#include "core/time_format.h"
#include "support/test_support.h"

namespace mercato::analytics::customer {
namespace {

namespace json = boost::json;

int64_t Time(const std::string& iso) {
  auto time = ParseTimestamp(iso);
  EXPECT_TRUE(time.ok()) << iso;
  return time.ok() ? *time : 0;
}

Order MakeOrder(const std::string& customer, const std::string& iso, double amount,
                std::optional<int64_t> units = std::nullopt) {
  return Order{.customer_id = customer,
               .time_us = Time(iso),
               .amount_micros = std::llround(amount * 1e6),
               .units = units};
}

std::vector<CustomerHistory> Histories(const std::vector<Order>& orders) {
  auto histories = BuildHistories(orders);
  EXPECT_TRUE(histories.ok()) << histories.status().ToString();
  return histories.ok() ? *histories : std::vector<CustomerHistory>{};
}

// ---------------------------------------------------------------------------------------------
// Transactions

TEST(HistoriesTest, GroupsByCustomerAndOrdersByTime) {
  const auto histories =
      Histories({MakeOrder("b", "2011-02-01", 5), MakeOrder("a", "2011-03-01", 1),
                 MakeOrder("b", "2011-01-01", -2), MakeOrder("a", "2011-01-01", 3),
                 MakeOrder("a", "2011-03-01", 4)});
  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[0].customer_id, "a");
  ASSERT_EQ(histories[0].transactions.size(), 3u);
  EXPECT_EQ(histories[0].transactions[0].amount_micros, 3'000'000);
  EXPECT_EQ(histories[0].transactions[1].amount_micros, 1'000'000);  // ties keep input order
  EXPECT_EQ(histories[0].transactions[2].amount_micros, 4'000'000);
  EXPECT_EQ(histories[1].customer_id, "b");
  EXPECT_EQ(histories[1].transactions[0].amount_micros, -2'000'000);
}

TEST(HistoriesTest, RejectsEmptyIdsAndNegativeUnits) {
  const std::vector<Order> no_id = {MakeOrder("", "2011-01-01", 1)};
  EXPECT_EQ(BuildHistories(no_id).status().code(), StatusCode::kInvalidArgument);
  const std::vector<Order> negative = {MakeOrder("a", "2011-01-01", 1, -3)};
  EXPECT_EQ(BuildHistories(negative).status().code(), StatusCode::kInvalidArgument);
}

TEST(HistoriesTest, MonthIndexAndLabel) {
  EXPECT_EQ(MonthLabel(MonthIndex(Time("2010-12-31T23:59:59Z"))), "2010-12");
  EXPECT_EQ(MonthLabel(MonthIndex(Time("2011-01-01T00:00:00Z"))), "2011-01");
  EXPECT_EQ(MonthIndex(Time("2011-03-15")) - MonthIndex(Time("2010-12-01")), 3);
  EXPECT_EQ(MonthLabel(MonthIndex(Time("1969-12-31T12:00:00Z"))), "1969-12");
  EXPECT_EQ(MonthLabel(MonthIndex(Time("2000-02-29"))), "2000-02");
}

// ---------------------------------------------------------------------------------------------
// RFM

TEST(RfmTest, QuintilesOfDistinctValuesAreEqualBins) {
  const std::vector<double> values = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
  EXPECT_EQ(QuintileScores(values), (std::vector<int>{5, 1, 5, 1, 4, 2, 4, 2, 3, 3}));
  const std::vector<double> seven = {1, 2, 3, 4, 5, 6, 7};
  // floor(5 * (r - 0.5) / 7) + 1 for r = 1..7.
  EXPECT_EQ(QuintileScores(seven), (std::vector<int>{1, 2, 2, 3, 4, 4, 5}));
  EXPECT_TRUE(QuintileScores(std::vector<double>{}).empty());
  EXPECT_EQ(QuintileScores(std::vector<double>{42}), (std::vector<int>{3}));
}

TEST(RfmTest, TiedValuesShareTheScoreOfTheirMidRankWhateverTheOrder) {
  // Six ties at ranks 1..6 (mean 3.5): floor(5 * 3 / 10) + 1 = 2; ranks 7..10: 4, 4, 5, 5.
  const std::vector<double> values = {1, 1, 1, 1, 1, 1, 2, 3, 4, 5};
  EXPECT_EQ(QuintileScores(values), (std::vector<int>{2, 2, 2, 2, 2, 2, 4, 4, 5, 5}));
  const std::vector<double> shuffled = {5, 1, 3, 1, 1, 4, 1, 2, 1, 1};
  EXPECT_EQ(QuintileScores(shuffled), (std::vector<int>{5, 2, 4, 2, 2, 5, 2, 4, 2, 2}));
  EXPECT_EQ(QuintileScores(std::vector<double>{7, 7, 7}), (std::vector<int>{3, 3, 3}));
}

TEST(RfmTest, SegmentGrid) {
  // Rows R = 5..1, columns F = 1..5 (the table in rfm.h).
  using S = RfmSegment;
  const S grid[5][5] = {
      {S::kNewCustomers, S::kPotentialLoyalists, S::kPotentialLoyalists, S::kChampions,
       S::kChampions},
      {S::kPromising, S::kPotentialLoyalists, S::kPotentialLoyalists, S::kLoyalCustomers,
       S::kLoyalCustomers},
      {S::kAboutToSleep, S::kAboutToSleep, S::kNeedAttention, S::kLoyalCustomers,
       S::kLoyalCustomers},
      {S::kHibernating, S::kHibernating, S::kAtRisk, S::kAtRisk, S::kCantLoseThem},
      {S::kLost, S::kHibernating, S::kAtRisk, S::kAtRisk, S::kCantLoseThem}};
  for (int r = 5; r >= 1; --r) {
    for (int f = 1; f <= 5; ++f) {
      EXPECT_EQ(RfmSegmentOf(r, f), grid[5 - r][f - 1]) << "R=" << r << " F=" << f;
    }
  }
  EXPECT_EQ(RfmSegmentName(S::kCantLoseThem), "Can't Lose Them");
  EXPECT_EQ(RfmSegmentKey(S::kCantLoseThem), "cant_lose_them");
  EXPECT_EQ(RfmSegmentKey(S::kLoyalCustomers), "loyal_customers");
}

TEST(RfmTest, ScoresAndSegmentsOfAFixture) {
  const auto histories = Histories({
      MakeOrder("A", "2011-01-10", 50), MakeOrder("A", "2011-02-20", 50),
      MakeOrder("A", "2011-02-27", 100), MakeOrder("A", "2011-02-28", -20),  // refund
      MakeOrder("B", "2010-12-01", 10),                                      //
      MakeOrder("C", "2011-02-01", 200), MakeOrder("C", "2011-02-15", 300),  //
      MakeOrder("D", "2011-01-01", 40),                                      //
      MakeOrder("E", "2011-02-01", 5), MakeOrder("E", "2011-02-10", 5),
      MakeOrder("E", "2011-02-20", 5), MakeOrder("E", "2011-02-24", 5),  //
      MakeOrder("F", "2011-01-15", -30),                                 // refund only
      MakeOrder("G", "2011-03-01", 99),  // at the reference time: not before it
  });
  auto rfm = ComputeRfm(histories, Time("2011-03-01"));
  ASSERT_TRUE(rfm.ok()) << rfm.status().ToString();
  ASSERT_EQ(rfm->customers.size(), 5u);
  std::map<std::string, RfmCustomer> by_id;
  for (const RfmCustomer& c : rfm->customers) by_id[c.customer_id] = c;
  // n = 5 without ties: score = rank. Recency A 2 d < E 5 < C 14 < D 59 < B 90; frequency
  // B = D = 1 (ranks 1, 2, mean 1.5: score 2) < C 2 < A 3 < E 4; monetary B 10 < E 20 < D 40 <
  // A 180 < C 500.
  EXPECT_DOUBLE_EQ(by_id["A"].recency_days, 2);
  EXPECT_EQ(by_id["A"].frequency, 3);
  EXPECT_EQ(by_id["A"].monetary_micros, 180'000'000);
  EXPECT_DOUBLE_EQ(by_id["B"].recency_days, 90);
  EXPECT_EQ(by_id["A"].Cell(), "544");
  EXPECT_EQ(by_id["E"].Cell(), "452");
  EXPECT_EQ(by_id["C"].Cell(), "335");
  EXPECT_EQ(by_id["D"].Cell(), "223");
  EXPECT_EQ(by_id["B"].Cell(), "121");
  EXPECT_EQ(by_id["A"].segment, RfmSegment::kChampions);
  EXPECT_EQ(by_id["E"].segment, RfmSegment::kLoyalCustomers);
  EXPECT_EQ(by_id["C"].segment, RfmSegment::kNeedAttention);
  EXPECT_EQ(by_id["D"].segment, RfmSegment::kHibernating);
  EXPECT_EQ(by_id["B"].segment, RfmSegment::kHibernating);
  std::array<int64_t, kRfmSegmentCount> counts{};
  counts[static_cast<size_t>(RfmSegment::kChampions)] = 1;
  counts[static_cast<size_t>(RfmSegment::kLoyalCustomers)] = 1;
  counts[static_cast<size_t>(RfmSegment::kNeedAttention)] = 1;
  counts[static_cast<size_t>(RfmSegment::kHibernating)] = 2;
  EXPECT_EQ(rfm->segment_counts, counts);
}

TEST(RfmTest, RejectsHistoriesOutOfOrder) {
  CustomerHistory history{
      .customer_id = "x",
      .transactions = {{.time_us = 10, .amount_micros = 1}, {.time_us = 5, .amount_micros = 1}}};
  EXPECT_EQ(ComputeRfm(std::span(&history, 1), 100).status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Cohorts

std::vector<CustomerHistory> CohortFixture() {
  return Histories({
      MakeOrder("P", "2011-01-05T12:00:00Z", 10), MakeOrder("P", "2011-02-10T12:00:00Z", 20),
      MakeOrder("P", "2011-03-01T12:00:00Z", 5), MakeOrder("P", "2011-03-15T12:00:00Z", -5),
      MakeOrder("Q", "2011-01-20T12:00:00Z", 30), MakeOrder("Q", "2011-03-02T12:00:00Z", 10),
      MakeOrder("R", "2010-12-20T12:00:00Z", -7),  // a refund before R's first purchase
      MakeOrder("R", "2011-02-03T12:00:00Z", 15), MakeOrder("R", "2011-02-20T12:00:00Z", 15),
      MakeOrder("R", "2011-03-10T12:00:00Z", 50),
      MakeOrder("S", "2011-01-10T12:00:00Z", -3),  // never purchased: no cohort
  });
}

TEST(CohortTest, HandMadeTable) {
  const auto histories = CohortFixture();
  auto table = BuildCohorts(histories);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->max_age, 2);
  ASSERT_EQ(table->cohorts.size(), 2u);
  const Cohort& january = table->cohorts[0];
  EXPECT_EQ(january.label, "2011-01");
  EXPECT_EQ(january.size, 2);
  ASSERT_EQ(january.by_age.size(), 3u);
  EXPECT_EQ(january.by_age[0].active_customers, 2);
  EXPECT_EQ(january.by_age[0].revenue_micros, 40'000'000);
  EXPECT_EQ(january.by_age[1].active_customers, 1);
  EXPECT_DOUBLE_EQ(january.by_age[1].retention, 0.5);
  EXPECT_EQ(january.by_age[1].revenue_micros, 20'000'000);
  EXPECT_EQ(january.by_age[2].active_customers, 2);  // P twice in March counts once
  EXPECT_DOUBLE_EQ(january.by_age[2].retention, 1.0);
  EXPECT_EQ(january.by_age[2].revenue_micros, 10'000'000);  // 5 - 5 + 10
  const Cohort& february = table->cohorts[1];
  EXPECT_EQ(february.label, "2011-02");
  EXPECT_EQ(february.size, 1);
  ASSERT_EQ(february.by_age.size(), 2u);
  EXPECT_EQ(february.by_age[0].active_customers, 1);
  EXPECT_EQ(february.by_age[0].revenue_micros, 30'000'000);  // the December refund counts nowhere
  EXPECT_EQ(february.by_age[1].revenue_micros, 50'000'000);

  auto until_march = BuildCohorts(histories, {.end_us = Time("2011-03-01")});
  ASSERT_TRUE(until_march.ok());
  EXPECT_EQ(until_march->max_age, 1);
  ASSERT_EQ(until_march->cohorts.size(), 2u);
  EXPECT_EQ(until_march->cohorts[0].by_age.size(), 2u);
  EXPECT_EQ(until_march->cohorts[1].by_age.size(), 1u);

  auto empty = BuildCohorts({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->cohorts.empty());
}

TEST(CohortTest, JsonAndCsv) {
  auto table = BuildCohorts(CohortFixture());
  ASSERT_TRUE(table.ok());
  const json::value parsed = json::parse(CohortsToJson(*table));
  const json::value expected = json::parse(R"({"max_age": 2, "cohorts": [
      {"cohort": "2011-01", "size": 2, "active": [2, 1, 2], "retention": [1.0, 0.5, 1.0],
       "revenue": [40.0, 20.0, 10.0]},
      {"cohort": "2011-02", "size": 1, "active": [1, 1], "retention": [1.0, 1.0],
       "revenue": [30.0, 50.0]}]})");
  EXPECT_EQ(parsed, expected) << CohortsToJson(*table);
  EXPECT_EQ(CohortsToCsv(*table),
            "cohort,cohort_size,months_since_acquisition,active_customers,retention,revenue\n"
            "2011-01,2,0,2,1,40\n"
            "2011-01,2,1,1,0.5,20\n"
            "2011-01,2,2,2,1,10\n"
            "2011-02,1,0,1,1,30\n"
            "2011-02,1,1,1,1,50\n");
}

// A minimal XML well-formedness check: one root element, balanced and properly nested tags,
// quoted attributes, no raw '<' in text or attributes, '&' only as a known or numeric entity.
// Returns the error, or an empty string.
std::string XmlError(const std::string& xml, std::string& root) {
  std::vector<std::string> stack;
  size_t i = 0;
  bool seen_root = false;
  auto check_text = [&](std::string_view text) -> std::string {
    for (size_t k = 0; k < text.size(); ++k) {
      if (text[k] == '<') return "raw '<' in text";
      if (text[k] == '&') {
        const size_t semi = text.find(';', k);
        if (semi == std::string_view::npos) return "unterminated entity";
        const std::string_view entity = text.substr(k + 1, semi - k - 1);
        if (entity != "amp" && entity != "lt" && entity != "gt" && entity != "quot" &&
            entity != "apos" && (entity.empty() || entity[0] != '#')) {
          return "unknown entity &" + std::string(entity) + ";";
        }
      }
    }
    return {};
  };
  if (xml.rfind("<?xml", 0) == 0) i = xml.find("?>") + 2;
  while (i < xml.size()) {
    const size_t open = xml.find('<', i);
    const std::string_view text =
        std::string_view(xml).substr(i, (open == std::string::npos ? xml.size() : open) - i);
    if (auto error = check_text(text); !error.empty()) return error;
    if (stack.empty() && text.find_first_not_of(" \n\r\t") != std::string_view::npos) {
      return "text outside the root element";
    }
    if (open == std::string::npos) break;
    // Find the tag's end, skipping quoted attribute values.
    size_t k = open + 1;
    char quote = 0;
    while (k < xml.size() && (quote != 0 || xml[k] != '>')) {
      if (quote == 0 && (xml[k] == '"' || xml[k] == '\'')) {
        quote = xml[k];
      } else if (quote != 0 && xml[k] == quote) {
        quote = 0;
      } else if (xml[k] == '<') {
        return "raw '<' inside a tag";
      }
      ++k;
    }
    if (k >= xml.size()) return "unterminated tag";
    std::string tag = xml.substr(open + 1, k - open - 1);
    i = k + 1;
    if (!tag.empty() && tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (stack.empty() || stack.back() != name) return "mismatched closing tag </" + name + ">";
      stack.pop_back();
      continue;
    }
    const bool self_closing = !tag.empty() && tag.back() == '/';
    if (self_closing) tag.pop_back();
    const size_t name_end = tag.find_first_of(" \n\t");
    const std::string name = tag.substr(0, name_end);
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) {
      return "bad tag name in <" + tag + ">";
    }
    // Attributes: name="value" pairs.
    std::string_view rest =
        name_end == std::string::npos ? "" : std::string_view(tag).substr(name_end);
    while (true) {
      const size_t start = rest.find_first_not_of(" \n\t");
      if (start == std::string_view::npos) break;
      rest = rest.substr(start);
      const size_t equals = rest.find('=');
      if (equals == std::string_view::npos || equals + 1 >= rest.size() ||
          (rest[equals + 1] != '"' && rest[equals + 1] != '\'')) {
        return "unquoted attribute in <" + name + ">";
      }
      const size_t close = rest.find(rest[equals + 1], equals + 2);
      if (close == std::string_view::npos) return "unterminated attribute in <" + name + ">";
      if (auto error = check_text(rest.substr(equals + 2, close - equals - 2)); !error.empty()) {
        return error.append(" (attribute of <").append(name).append(">)");
      }
      rest = rest.substr(close + 1);
    }
    if (stack.empty()) {
      if (seen_root) return "second root element <" + name + ">";
      seen_root = true;
      root = name;
    }
    if (!self_closing) stack.push_back(name);
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (!seen_root) return "no root element";
  return {};
}

TEST(CohortTest, XmlCheckerCatchesBrokenDocuments) {
  std::string root;
  EXPECT_EQ(XmlError("<svg><g></g></svg>", root), "");
  EXPECT_EQ(root, "svg");
  EXPECT_NE(XmlError("<svg><g></svg>", root), "");
  EXPECT_NE(XmlError("<svg a=1></svg>", root), "");
  EXPECT_NE(XmlError("<svg>a & b</svg>", root), "");
  EXPECT_NE(XmlError("<svg></svg><svg/>", root), "");
  EXPECT_NE(XmlError("<svg><text>1 < 2</text></svg>", root), "");
}

TEST(CohortTest, SvgHeatmapIsValidXmlWithLabelsAndLegend) {
  auto table = BuildCohorts(CohortFixture());
  ASSERT_TRUE(table.ok());
  const std::string svg = CohortHeatmapSvg(*table);
  std::string root;
  EXPECT_EQ(XmlError(svg, root), "") << svg;
  EXPECT_EQ(root, "svg");
  for (const char* expected :
       {"xmlns=\"http://www.w3.org/2000/svg\"", "Customer retention by acquisition cohort",
        ">2011-01 (2)<", ">2011-02 (1)<", "Months since first purchase", ">0<", ">1<", ">2<",
        ">50%<", ">100%<", "Retention", "linearGradient"}) {
    EXPECT_NE(svg.find(expected), std::string::npos) << expected;
  }
  // Self-contained: no external references.
  EXPECT_EQ(svg.find("href"), std::string::npos);
  EXPECT_EQ(svg.find("<image"), std::string::npos);

  const std::string revenue =
      CohortHeatmapSvg(*table, {.metric = CohortMetric::kRevenue, .title = "Revenue <& \"GBP\">"});
  EXPECT_EQ(XmlError(revenue, root), "") << revenue;
  EXPECT_NE(revenue.find("Revenue &lt;&amp; &quot;GBP&quot;&gt;"), std::string::npos);
  EXPECT_NE(revenue.find(">50<"), std::string::npos);

  auto empty = BuildCohorts({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(XmlError(CohortHeatmapSvg(*empty), root), "");
}

// ---------------------------------------------------------------------------------------------
// AUC

double BruteForceAuc(const std::vector<double>& scores, const std::vector<float>& labels) {
  double wins = 0;
  double pairs = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    for (size_t j = 0; j < scores.size(); ++j) {
      if (labels[i] != 1 || labels[j] != 0) continue;
      pairs += 1;
      wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

TEST(AucTest, HandComputedValues) {
  // Pairs (positive, negative): 0.35 > 0.1, 0.35 < 0.4, 0.8 > both: 3 of 4.
  EXPECT_DOUBLE_EQ(
      *RocAuc(std::vector<double>{0.1, 0.4, 0.35, 0.8}, std::vector<float>{0, 0, 1, 1}), 0.75);
  // Ties count one half: positives {2, 3}, negatives {1, 2}: 1 + 0.5 + 1 + 1 = 3.5 of 4.
  EXPECT_DOUBLE_EQ(*RocAuc(std::vector<double>{1, 2, 2, 3}, std::vector<float>{0, 1, 0, 1}), 0.875);
  EXPECT_DOUBLE_EQ(*RocAuc(std::vector<double>{5, 5, 5, 5}, std::vector<float>{0, 1, 0, 1}), 0.5);
  EXPECT_DOUBLE_EQ(*RocAuc(std::vector<double>{1, 2, 3}, std::vector<float>{0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(*RocAuc(std::vector<double>{3, 2, 1}, std::vector<float>{0, 1, 1}), 0.0);
  // Three positives, two negatives: positives {0.2, 0.6, 0.6}, negatives {0.6, 0.1}:
  // 0.2: 0 + 1; 0.6: 0.5 + 1; 0.6: 0.5 + 1 -> 4 of 6.
  EXPECT_DOUBLE_EQ(
      *RocAuc(std::vector<double>{0.2, 0.6, 0.6, 0.6, 0.1}, std::vector<float>{1, 1, 1, 0, 0}),
      4.0 / 6.0);
}

TEST(AucTest, MatchesPairCountingOnRandomScoresWithTies) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> score(0, 20);
  std::bernoulli_distribution label(0.3);
  std::vector<double> scores(500);
  std::vector<float> labels(500);
  for (size_t i = 0; i < scores.size(); ++i) {
    scores[i] = score(rng) / 4.0;
    labels[i] = label(rng) ? 1.0F : 0.0F;
  }
  auto auc = RocAuc(scores, labels);
  ASSERT_TRUE(auc.ok());
  EXPECT_NEAR(*auc, BruteForceAuc(scores, labels), 1e-12);
}

TEST(AucTest, RejectsBadInput) {
  EXPECT_EQ(RocAuc(std::vector<double>{1, 2}, std::vector<float>{1, 1}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RocAuc(std::vector<double>{1, 2}, std::vector<float>{1}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RocAuc(std::vector<double>{1, NAN}, std::vector<float>{0, 1}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RocAuc(std::vector<double>{1, 2}, std::vector<float>{0, 2}).status().code(),
            StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Churn features and model

size_t Column(const std::string& name) {
  const auto& names = ChurnFeatureNames();
  const auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << name;
  return static_cast<size_t>(it - names.begin());
}

TEST(ChurnFeaturesTest, FeaturesAndLabelsOfAFixture) {
  const auto histories = Histories({
      MakeOrder("a", "2011-01-01", 100, 10), MakeOrder("a", "2011-03-02", 50, 4),
      MakeOrder("a", "2011-03-20", -25), MakeOrder("a", "2011-04-01", 30, 2),
      MakeOrder("a", "2011-05-01", 20),  // after the cutoff: in the label window
      MakeOrder("b", "2010-10-01", 40),  // single purchase, never again
      MakeOrder("c", "2011-05-01", 10),  // first purchase after the cutoff: not in the population
  });
  const int64_t cutoff = Time("2011-04-11");
  auto examples = BuildChurnExamples(histories, cutoff,
                                     {.horizon_days = 90, .observed_until_us = Time("2011-07-10")});
  ASSERT_TRUE(examples.ok()) << examples.status().ToString();
  ASSERT_EQ(examples->rows(), 2u);
  EXPECT_EQ(examples->customer_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(examples->labels, (std::vector<float>{0, 1}));
  EXPECT_EQ(examples->cutoffs_us, (std::vector<int64_t>{cutoff, cutoff}));
  auto feature = [&](size_t row, const std::string& name) {
    return examples->at(row, Column(name));
  };
  EXPECT_FLOAT_EQ(feature(0, "recency_days"), 10);
  EXPECT_FLOAT_EQ(feature(0, "frequency"), 3);
  EXPECT_FLOAT_EQ(feature(0, "monetary"), 155);
  EXPECT_FLOAT_EQ(feature(0, "tenure_days"), 100);
  EXPECT_FLOAT_EQ(feature(0, "mean_interpurchase_days"), 45);  // 90 days over 2 gaps
  EXPECT_FLOAT_EQ(feature(0, "recency_ratio"), 10.0F / 45.0F);
  EXPECT_FLOAT_EQ(feature(0, "purchases_30d"), 1);  // 04-01
  EXPECT_FLOAT_EQ(feature(0, "revenue_30d"), 5);    // 30 - 25 (03-20 is 22 days back)
  EXPECT_FLOAT_EQ(feature(0, "purchases_90d"), 2);  // 03-02, 04-01
  EXPECT_FLOAT_EQ(feature(0, "revenue_90d"), 55);
  EXPECT_FLOAT_EQ(feature(0, "purchases_prev_90d"), 1);  // 01-01 is 100 days back
  EXPECT_FLOAT_EQ(feature(0, "trend_90d"), 1);
  EXPECT_FLOAT_EQ(feature(0, "average_order_value"), 60);
  EXPECT_FLOAT_EQ(feature(0, "last_order_value"), 30);
  EXPECT_FLOAT_EQ(feature(0, "average_basket_units"), 16.0F / 3.0F);
  EXPECT_FLOAT_EQ(feature(0, "return_rate"), 1.0F / 3.0F);
  EXPECT_FLOAT_EQ(feature(0, "refunded_share"), 25.0F / 180.0F);
  EXPECT_TRUE(std::isnan(feature(1, "mean_interpurchase_days")));
  EXPECT_TRUE(std::isnan(feature(1, "average_basket_units")));
  EXPECT_FLOAT_EQ(feature(1, "frequency"), 1);

  // Unlabelled features at a later cutoff include c; labels need an observed window.
  auto now = ComputeChurnFeatures(histories, Time("2011-06-01"));
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->rows(), 3u);
  EXPECT_TRUE(now->labels.empty());
  EXPECT_EQ(BuildChurnExamples(histories, Time("2011-06-01"),
                               {.horizon_days = 90, .observed_until_us = Time("2011-07-10")})
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  ChurnExamples stacked = *examples;
  EXPECT_EQ(stacked.Append(*now).code(), StatusCode::kInvalidArgument);
}

// Synthetic customers whose churn depends on how recently and how often they bought.
std::vector<CustomerHistory> SyntheticShop(uint64_t seed, int customers) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::vector<Order> orders;
  const auto start = static_cast<double>(Time("2011-01-01"));
  const auto day = static_cast<double>(kMicrosPerDay);
  for (int c = 0; c < customers; ++c) {
    const std::string id = "c" + std::to_string(c);
    const double rate = 0.005 + 0.1 * uniform(rng) * uniform(rng);  // purchases per day
    const double death = start + uniform(rng) * 400 * day;          // stops buying
    double t = start + uniform(rng) * 200 * day;
    bool first = true;
    while (t < start + 400.0 * day) {
      if (!first && t > death) break;
      orders.push_back({.customer_id = id,
                        .time_us = static_cast<int64_t>(t),
                        .amount_micros = static_cast<int64_t>(5e6 + 50e6 * uniform(rng)),
                        .units = static_cast<int64_t>(1 + 10 * uniform(rng))});
      first = false;
      t += -std::log(1 - uniform(rng)) / rate * day;
    }
  }
  auto histories = BuildHistories(orders);
  EXPECT_TRUE(histories.ok());
  return std::move(histories).value();
}

TEST(ChurnModelTest, LearnsSyntheticChurnDeterministicallyAndRoundTrips) {
  const auto histories = SyntheticShop(11, 1500);
  const ChurnLabelOptions labels{.horizon_days = 90,
                                 .observed_until_us = Time("2011-01-01") + 400 * kMicrosPerDay};
  auto train = BuildChurnExamples(histories, Time("2011-05-01"), labels);
  auto eval = BuildChurnExamples(histories, Time("2011-09-01"), labels);
  ASSERT_TRUE(train.ok() && eval.ok());
  const ChurnModelOptions options{.rounds = 60, .seed = 3, .nthread = 1};
  auto model = ChurnModel::Train(*train, options);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto predictions = model->Predict(*eval);
  ASSERT_TRUE(predictions.ok()) << predictions.status().ToString();
  ASSERT_EQ(predictions->size(), eval->rows());
  for (double p : *predictions) ASSERT_TRUE(p >= 0 && p <= 1) << p;
  auto auc = RocAuc(*predictions, eval->labels);
  ASSERT_TRUE(auc.ok());
  EXPECT_GT(*auc, 0.75);

  // Same inputs, same model.
  auto again = ChurnModel::Train(*train, options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again->Serialize(), *model->Serialize());
  EXPECT_EQ(*again->Predict(*eval), *predictions);

  // Bytes round trip.
  auto bytes = model->Serialize();
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->substr(0, 8), "MRCHURN1");
  auto loaded = ChurnModel::Deserialize(*bytes, 2);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(*loaded->Predict(*eval), *predictions);
  auto empty = loaded->Predict(ChurnExamples{});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  EXPECT_EQ(ChurnModel::Deserialize("", 1).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(ChurnModel::Deserialize("MRCHURN1\0\0\0\x14garbage", 1).status().code(),
            StatusCode::kCorruption);
  std::string other_features = *bytes;
  other_features[11] = static_cast<char>(other_features[11] + 1);
  EXPECT_EQ(ChurnModel::Deserialize(other_features, 1).status().code(),
            StatusCode::kFailedPrecondition);
  std::string truncated = bytes->substr(0, bytes->size() / 2);
  EXPECT_FALSE(ChurnModel::Deserialize(truncated, 1).ok());
}

TEST(ChurnModelTest, RejectsBadTrainingInput) {
  EXPECT_EQ(ChurnModel::Train(ChurnExamples{}).status().code(), StatusCode::kInvalidArgument);
  const auto histories = SyntheticShop(5, 50);
  auto unlabelled = ComputeChurnFeatures(histories, Time("2011-05-01"));
  ASSERT_TRUE(unlabelled.ok());
  EXPECT_EQ(ChurnModel::Train(*unlabelled).status().code(), StatusCode::kInvalidArgument);
  ChurnExamples one_class = *unlabelled;
  one_class.labels.assign(one_class.rows(), 1.0F);
  EXPECT_EQ(ChurnModel::Train(one_class).status().code(), StatusCode::kInvalidArgument);
  one_class.labels[0] = 0;
  ChurnExamples half_label = one_class;
  half_label.labels[1] = 0.5F;
  EXPECT_EQ(ChurnModel::Train(half_label).status().code(), StatusCode::kInvalidArgument);
  ChurnExamples short_row = one_class;
  short_row.features.pop_back();
  EXPECT_EQ(ChurnModel::Train(short_row).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ChurnModel::Train(one_class, {.rounds = 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ChurnModel::Train(one_class, {.subsample = 0}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ChurnHoldoutTest, RefusesTrainingLabelsThatOverlapTheEvaluation) {
  const auto histories = SyntheticShop(5, 200);
  ChurnHoldoutOptions options;
  options.labels = {.horizon_days = 90,
                    .observed_until_us = Time("2011-01-01") + 400 * kMicrosPerDay};
  options.eval_cutoff_us = Time("2011-09-01");
  options.train_cutoffs_us = {Time("2011-06-15")};  // label window ends 2011-09-13
  EXPECT_EQ(EvaluateChurnHoldout(histories, options).status().code(), StatusCode::kInvalidArgument);
  options.train_cutoffs_us = {};
  EXPECT_EQ(EvaluateChurnHoldout(histories, options).status().code(), StatusCode::kInvalidArgument);
  options.train_cutoffs_us = {Time("2011-05-01")};
  options.eval_cutoff_us = Time("2011-12-01");  // its window is not observed
  EXPECT_EQ(EvaluateChurnHoldout(histories, options).status().code(),
            StatusCode::kFailedPrecondition);
  options.eval_cutoff_us = Time("2011-09-01");
  int calls = 0;
  auto report =
      EvaluateChurnHoldout(histories, options,
                           [&](std::span<const CustomerHistory>,
                               const ChurnExamples& eval) -> Result<std::vector<double>> {
                             ++calls;
                             // A stand-in P(alive) that decays with recency.
                             std::vector<double> alive;
                             for (size_t i = 0; i < eval.rows(); ++i) {
                               alive.push_back(std::exp(-eval.at(i, kRecencyDaysColumn) / 60.0));
                             }
                             return alive;
                           });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(report->p_alive_auc.has_value());
  // exp(-recency / 60) is a decreasing function of recency: the same ranking.
  EXPECT_NEAR(*report->p_alive_auc, report->recency_auc, 1e-12);
}

// ---------------------------------------------------------------------------------------------
// Online Retail

// Splits one CSV record (RFC 4180 quoting, no embedded newlines in this file).
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

// One order per invoice of a known customer: amount = sum of quantity x unit price (negative for
// cancellations, whose quantities are negative), units = sum of |quantity|, time = the invoice
// date. Rows without CustomerID (guests) are left out, as in every customer-level analysis of
// this data set.
struct RetailData {
  std::vector<Order> orders;
  int64_t last_time_us = 0;
};

RetailData LoadOnlineRetail(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(
      line.rfind("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID", 0),
      0u);
  std::map<std::string, size_t> invoice_index;
  RetailData data;
  while (std::getline(in, line)) {
    const std::vector<std::string> f = SplitCsv(line);
    if (f.size() != 8) {
      ADD_FAILURE() << "bad row: " << line;
      continue;
    }
    if (f[6].empty()) continue;
    const int64_t quantity = std::stoll(f[3]);
    const int64_t price_micros = std::llround(std::stod(f[5]) * 1e6);
    const std::string customer = std::to_string(std::llround(std::stod(f[6])));
    auto [it, inserted] = invoice_index.try_emplace(f[0], data.orders.size());
    if (inserted) {
      data.orders.push_back({.customer_id = customer,
                             .time_us = Time(f[4]),
                             .amount_micros = 0,
                             .units = int64_t{0}});
      data.last_time_us = std::max(data.last_time_us, data.orders.back().time_us);
    }
    Order& order = data.orders[it->second];
    order.amount_micros += quantity * price_micros;
    *order.units += std::llabs(quantity);
  }
  return data;
}

TEST(OnlineRetailTest, RfmCohortsAndChurnHoldout) {
  REQUIRE_DATA_FILE(path, "online_retail/online_retail_I_from_spark_guide_by_day.csv");
  const auto started = std::chrono::steady_clock::now();
  const RetailData data = LoadOnlineRetail(path);
  EXPECT_EQ(data.orders.size(), 22'190u);  // invoices with a CustomerID
  auto histories = BuildHistories(data.orders);
  ASSERT_TRUE(histories.ok());
  EXPECT_EQ(histories->size(), 4'372u);

  // RFM the day after the last invoice (the usual reference of analyses of this data set).
  auto rfm = ComputeRfm(*histories, Time("2011-12-10"));
  ASSERT_TRUE(rfm.ok());
  int64_t scored = 0;
  for (size_t s = 0; s < kRfmSegmentCount; ++s) {
    scored += rfm->segment_counts[s];
    std::printf("rfm segment %-20s %5lld\n",
                std::string(RfmSegmentName(static_cast<RfmSegment>(s))).c_str(),
                static_cast<long long>(rfm->segment_counts[s]));
  }
  EXPECT_EQ(scored, static_cast<int64_t>(rfm->customers.size()));
  EXPECT_EQ(rfm->customers.size(), 4'338u);  // 34 customers only ever cancelled

  // Cohorts: thirteen acquisition months, December 2010 first.
  auto cohorts = BuildCohorts(*histories);
  ASSERT_TRUE(cohorts.ok());
  ASSERT_EQ(cohorts->cohorts.size(), 13u);
  EXPECT_EQ(cohorts->cohorts[0].label, "2010-12");
  EXPECT_EQ(cohorts->max_age, 12);
  std::string root;
  EXPECT_EQ(XmlError(CohortHeatmapSvg(*cohorts), root), "");
  std::printf("cohort 2010-12: %lld customers, retention at 1/3/11 months: %.3f %.3f %.3f\n",
              static_cast<long long>(cohorts->cohorts[0].size),
              cohorts->cohorts[0].by_age[1].retention, cohorts->cohorts[0].by_age[3].retention,
              cohorts->cohorts[0].by_age[11].retention);

  // Churn: label = no purchase in the 90 days after the cutoff. Evaluate at 2011-09-10 (its window
  // ends 2011-12-09, the last day of the data); train on four monthly cutoffs whose windows end
  // by 2011-09-10.
  ChurnHoldoutOptions options;
  options.labels = {.horizon_days = 90, .observed_until_us = data.last_time_us + 1};
  options.eval_cutoff_us = Time("2011-09-10");
  for (const char* cutoff : {"2011-03-14", "2011-04-13", "2011-05-13", "2011-06-12"}) {
    options.train_cutoffs_us.push_back(Time(cutoff));
  }
  options.model.nthread = 1;  // OpenMP threads spin: on a busy 2-core machine 2 is far slower
  auto report = EvaluateChurnHoldout(
      *histories, options, [](std::span<const CustomerHistory> all, const ChurnExamples& eval) {
        return BgNbdPAlive(all, eval, 2);
      });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(report->p_alive_auc.has_value());
  std::printf(
      "churn holdout: train %zu rows (churn %.3f), eval %zu rows (churn %.3f); AUC model %.4f, "
      "BG/NBD P(alive) %.4f, recency alone %.4f\n",
      report->train_rows, report->train_churn_rate, report->eval_rows, report->eval_churn_rate,
      report->model_auc, *report->p_alive_auc, report->recency_auc);
  EXPECT_EQ(report->train_rows, 9'532u);
  EXPECT_EQ(report->eval_rows, 3'370u);
  // Measured 0.745 (docs/analytics.md): below the 0.80 goal. The floor catches regressions; the
  // model must beat both baselines.
  EXPECT_GE(report->model_auc, 0.73);
  EXPECT_GT(report->model_auc, *report->p_alive_auc);
  EXPECT_GT(report->model_auc, report->recency_auc);

  // The BG/NBD baselines in detail: P(alive) is 1 for one-time buyers (x = 0), the likeliest to
  // churn; among repeat buyers it ranks better. Expected purchases in 90 days uses the rates too.
  auto eval = BuildChurnExamples(*histories, options.eval_cutoff_us, options.labels);
  ASSERT_TRUE(eval.ok());
  auto bgnbd = BgNbdBaseline(*histories, *eval, 90, 2);
  ASSERT_TRUE(bgnbd.ok()) << bgnbd.status().ToString();
  std::vector<double> fewer_expected;
  std::vector<double> repeat_dead;
  std::vector<float> repeat_labels;
  for (size_t i = 0; i < eval->rows(); ++i) {
    fewer_expected.push_back(-bgnbd->expected_purchases[i]);
    if (eval->at(i, Column("purchase_days")) >= 2) {
      repeat_dead.push_back(1 - bgnbd->p_alive[i]);
      repeat_labels.push_back(eval->labels[i]);
    }
  }
  auto expected_auc = RocAuc(fewer_expected, eval->labels);
  auto repeat_auc = RocAuc(repeat_dead, repeat_labels);
  ASSERT_TRUE(expected_auc.ok() && repeat_auc.ok());
  std::printf(
      "BG/NBD: AUC of -E[purchases in 90 d] %.4f; of 1 - P(alive) on %zu repeat buyers %.4f\n",
      *expected_auc, repeat_labels.size(), *repeat_auc);
  EXPECT_GT(report->model_auc, *expected_auc);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("online retail test: %.1f s\n", seconds);
}

}  // namespace
}  // namespace mercato::analytics::customer

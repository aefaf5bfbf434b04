// Population stability index and score histograms (scoring/drift.h) on hand-computed cases.

#include "scoring/drift.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

namespace mercato::scoring {
namespace {

TEST(DriftTest, HistogramBinsAndEdges) {
  const std::vector<uint64_t> counts = ScoreHistogram(
      {0.0, 0.05, 0.1, 0.55, 0.999, 1.0, -0.2, 1.7, std::numeric_limits<double>::quiet_NaN()});
  const std::vector<uint64_t> expected = {3, 1, 0, 0, 0, 1, 0, 0, 0, 3};
  EXPECT_EQ(counts, expected);
}

TEST(DriftTest, PsiMatchesAHandComputation) {
  // Shares 0.5 / 0.5 against 0.25 / 0.75 in two of ten bins (the others empty on both sides):
  // (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5) = 0.1733 + 0.1014 = 0.2747.
  std::vector<uint64_t> before(10, 0), after(10, 0);
  before[0] = 50;
  before[1] = 50;
  after[0] = 25;
  after[1] = 75;
  const double want = (0.25 - 0.5) * std::log(0.25 / 0.5) + (0.75 - 0.5) * std::log(0.75 / 0.5);
  ASSERT_TRUE(PopulationStability(before, after).has_value());
  EXPECT_NEAR(*PopulationStability(before, after), want, 1e-12);
  EXPECT_NEAR(want, 0.2747, 1e-4);
  EXPECT_EQ(*PopulationStability(before, before), 0.0);
  // An emptied bin counts with the 1e-4 floor: large, but finite.
  after[0] = 0;
  after[1] = 100;
  const double large = *PopulationStability(before, after);
  EXPECT_TRUE(std::isfinite(large));
  EXPECT_NEAR(large, (1e-4 - 0.5) * std::log(1e-4 / 0.5) + (1 - 0.5) * std::log(1 / 0.5), 1e-9);
  EXPECT_FALSE(PopulationStability(before, std::vector<uint64_t>(10, 0)).has_value());
  EXPECT_FALSE(PopulationStability(before, std::vector<uint64_t>(9, 1)).has_value());
}

TEST(DriftTest, HistogramsRoundTripThroughJson) {
  const std::vector<uint64_t> counts = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(HistogramFromJson(HistogramJson(counts)), counts);
  EXPECT_FALSE(HistogramFromJson(boost::json::parse("[1,2,3]")).has_value());
  EXPECT_FALSE(HistogramFromJson(boost::json::parse("[1,2,3,4,5,6,7,8,9,-1]")).has_value());
  EXPECT_FALSE(HistogramFromJson(boost::json::parse("{}")).has_value());
}

}  // namespace
}  // namespace mercato::scoring

// RateAnomaly: quiet under a steady noisy rate, loud at a spike or a stop, silent in warm-up.

#include "core/rate_anomaly.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace mercato {
namespace {

constexpr int64_t kSecond = 1'000'000;

class Feed {
 public:
  explicit Feed(RateAnomaly& anomaly) : anomaly_(anomaly) { anomaly_.Observe(0, 0); }
  // One 10-second interval at `rate` events/s, observed every second.
  void Interval(double rate) {
    for (int s = 0; s < 10; ++s) {
      total_ += static_cast<uint64_t>(rate);
      now_ += kSecond;
      anomaly_.Observe(total_, now_);
    }
  }

 private:
  RateAnomaly& anomaly_;
  uint64_t total_ = 0;
  int64_t now_ = 0;
};

TEST(RateAnomalyTest, SteadyNoiseStaysQuietAndASpikeOrAStopDoesNot) {
  RateAnomaly anomaly;
  Feed feed(anomaly);
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(1000, 50);  // 1,000 events/s, sd 5 %
  double largest = 0;
  for (int i = 0; i < 200; ++i) {
    feed.Interval(noise(rng));
    if (i >= 40) largest = std::max(largest, std::abs(anomaly.zscore()));
  }
  EXPECT_EQ(anomaly.intervals(), 200u);
  EXPECT_LT(largest, 4.0);
  EXPECT_NEAR(anomaly.baseline(), 1000, 60);

  feed.Interval(10'000);  // a 10x spike
  EXPECT_GT(anomaly.zscore(), 20.0);
  EXPECT_NEAR(anomaly.rate(), 10'000, 1);
  EXPECT_NEAR(anomaly.baseline(), 1000, 60);  // one spike barely moves the baseline
  for (int i = 0; i < 5; ++i) feed.Interval(noise(rng));
  feed.Interval(0);  // ingestion stopped
  EXPECT_LT(anomaly.zscore(), -5.0);
  // A lasting doubling is learnt: after a while it is the new normal.
  for (int i = 0; i < 300; ++i) feed.Interval(2 * noise(rng));
  EXPECT_LT(std::abs(anomaly.zscore()), 4.0);
  EXPECT_NEAR(anomaly.baseline(), 2000, 150);
}

TEST(RateAnomalyTest, NothingDuringWarmUpAndFlatHistoryIsBounded) {
  RateAnomalyOptions options;
  options.warmup = 10;
  RateAnomaly anomaly(options);
  Feed feed(anomaly);
  for (int i = 0; i < 10; ++i) {
    feed.Interval(i % 2 == 0 ? 5 : 5000);
    EXPECT_EQ(anomaly.zscore(), 0.0) << i;
  }
  // A perfectly flat history: the floor keeps the z-score finite.
  RateAnomaly flat(options);
  Feed flat_feed(flat);
  for (int i = 0; i < 50; ++i) flat_feed.Interval(100);
  EXPECT_EQ(flat.zscore(), 0.0);
  flat_feed.Interval(103);
  EXPECT_TRUE(std::isfinite(flat.zscore()));
  EXPECT_NEAR(flat.zscore(), 3.0, 0.01);  // (103 - 100) / sqrt(0 + 1)
}

TEST(RateAnomalyTest, AGapIsSpreadOverItsIntervalsAndARestartResets) {
  RateAnomaly anomaly;
  anomaly.Observe(0, 0);
  anomaly.Observe(3'000, 30 * kSecond);  // three intervals at once
  EXPECT_EQ(anomaly.intervals(), 3u);
  EXPECT_NEAR(anomaly.rate(), 100, 1e-9);
  anomaly.Observe(10, 31 * kSecond);  // the total went down: a new baseline, no interval
  EXPECT_EQ(anomaly.intervals(), 3u);
  anomaly.Observe(1'010, 41 * kSecond);
  EXPECT_EQ(anomaly.intervals(), 4u);
  EXPECT_NEAR(anomaly.rate(), 100, 1e-9);
}

}  // namespace
}  // namespace mercato

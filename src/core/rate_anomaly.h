#pragma once
// RateAnomaly: how unusual the current rate of something (events ingested) is, as an EWMA
// z-score (docs/operations.md "Metrics and alerts").
//
// The running total is observed at any times; every `interval_us` closes an interval whose rate
// (per second) is compared with the exponentially weighted mean and variance of the intervals
// before it: z = (rate - mean) / sqrt(variance + floor), where `floor` keeps a flat history (a
// constant rate, or none) from turning any change into an infinite z. Only then is the interval
// folded into the mean and variance (weight `alpha`), so a spike is measured against the past,
// not against itself; after warm-up it is folded in clamped to `clamp` spreads of the mean, so
// one spike cannot hide the next anomaly, while a lasting change of level is learnt gradually.
// Until `warmup` intervals have been seen the z-score is 0. Intervals in which nothing was observed
// (a stalled caller) count as the rate of the total's change spread over them.
//
// Thread safety: not thread-safe; one caller (a ticker) observes, and the scrape reads the
// published values through the accessors' atomics.

#include <atomic>
#include <cstdint>

namespace mercato {

struct RateAnomalyOptions {
  int64_t interval_us = 10'000'000;  // 10 s
  double alpha = 0.05;               // weight of the newest interval (a ~20-interval memory)
  int warmup = 30;                   // intervals before a z-score is reported
  double variance_floor = 1.0;       // (events/s)^2
  double clamp = 3.0;                // spreads beyond which a rate is clamped before it is learnt
};

class RateAnomaly {
 public:
  explicit RateAnomaly(RateAnomalyOptions options = {}) : options_(options) {}

  // The running total (monotonic; a smaller value restarts the baseline) at `now_us`.
  void Observe(uint64_t total, int64_t now_us);

  double rate() const { return rate_.load(std::memory_order_relaxed); }      // last interval
  double zscore() const { return zscore_.load(std::memory_order_relaxed); }  // of that interval
  double baseline() const { return baseline_.load(std::memory_order_relaxed); }
  uint64_t intervals() const { return intervals_; }

 private:
  void Close(double rate);

  const RateAnomalyOptions options_;
  bool started_ = false;
  uint64_t last_total_ = 0;
  int64_t interval_start_us_ = 0;
  uint64_t intervals_ = 0;
  double mean_ = 0;
  double variance_ = 0;
  std::atomic<double> rate_{0};
  std::atomic<double> zscore_{0};
  std::atomic<double> baseline_{0};
};

}  // namespace mercato

#include "core/rate_anomaly.h"

#include <algorithm>
#include <cmath>

namespace mercato {

void RateAnomaly::Observe(uint64_t total, int64_t now_us) {
  if (!started_ || total < last_total_ || now_us < interval_start_us_) {
    started_ = true;
    last_total_ = total;
    interval_start_us_ = now_us;
    return;
  }
  const int64_t elapsed = now_us - interval_start_us_;
  if (elapsed < options_.interval_us) return;
  // Every whole interval since the last close shares the change evenly.
  const int64_t closed = elapsed / options_.interval_us;
  const double seconds = static_cast<double>(options_.interval_us) / 1e6;
  const double per_interval =
      static_cast<double>(total - last_total_) / static_cast<double>(closed);
  for (int64_t i = 0; i < closed && i < 1'000; ++i) Close(per_interval / seconds);
  interval_start_us_ += closed * options_.interval_us;
  last_total_ = total;
}

void RateAnomaly::Close(double rate) {
  double z = 0;
  if (intervals_ == 0) {
    mean_ = rate;
    variance_ = 0;
  } else {
    const double spread = std::sqrt(variance_ + options_.variance_floor);
    z = (rate - mean_) / spread;
    // West's exponentially weighted mean and variance, fed (after warm-up) with the rate clamped
    // to `clamp` spreads of the mean: one spike must not inflate the variance so much that the
    // next anomaly (a stop) looks normal. A lasting change of level still moves the baseline, by
    // at most alpha * clamp spreads per interval.
    double folded = rate;
    if (intervals_ > static_cast<uint64_t>(options_.warmup)) {
      folded = std::clamp(rate, mean_ - options_.clamp * spread, mean_ + options_.clamp * spread);
    }
    const double delta = folded - mean_;
    mean_ += options_.alpha * delta;
    variance_ = (1 - options_.alpha) * (variance_ + options_.alpha * delta * delta);
  }
  ++intervals_;
  rate_.store(rate, std::memory_order_relaxed);
  zscore_.store(intervals_ > static_cast<uint64_t>(options_.warmup) ? z : 0.0,
                std::memory_order_relaxed);
  baseline_.store(mean_, std::memory_order_relaxed);
}

}  // namespace mercato

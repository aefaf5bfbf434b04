#pragma once
// LatencyHistogram: HdrHistogram-like log-linear buckets over nanoseconds, 64 sub-buckets per
// power of two (values are kept to within 1/32 = 3 %), so recording is a few instructions and no
// allocation. Percentiles report the midpoint of the bucket that holds them.
//
// Thread safety: none; keep one per connection (or thread) and Merge() at the end.

#include <array>
#include <bit>
#include <cstdint>

namespace mercato::bench {

class LatencyHistogram {
 public:
  void Record(uint64_t nanos) {
    ++counts_[Index(nanos)];
    ++total_;
  }
  void Merge(const LatencyHistogram& other) {
    for (size_t idx = 0; idx < kBuckets; ++idx) counts_[idx] += other.counts_[idx];
    total_ += other.total_;
  }
  uint64_t total() const { return total_; }

  // The value below which `quantile` (0..1) of the samples lie, in nanoseconds; 0 when empty.
  double Percentile(double quantile) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(quantile * static_cast<double>(total_ - 1)) + 1;
    uint64_t seen = 0;
    for (size_t idx = 0; idx < kBuckets; ++idx) {
      seen += counts_[idx];
      if (seen >= rank)
        return (static_cast<double>(Lower(idx)) + static_cast<double>(Upper(idx))) / 2;
    }
    return static_cast<double>(Upper(kBuckets - 1));
  }

 private:
  static constexpr int kSubBits = 6;  // 64 linear buckets below 64 ns, then 32 per octave
  static constexpr size_t kBuckets = 64 + 58 * 32;

  static size_t Index(uint64_t value) {
    if (value < (1u << kSubBits)) return static_cast<size_t>(value);
    int msb = 63 - std::countl_zero(value);  // >= kSubBits
    int shift = msb - (kSubBits - 1);        // value >> shift is in [32, 64)
    size_t idx = 64 + static_cast<size_t>(shift - 1) * 32 + ((value >> shift) - 32);
    return idx < kBuckets ? idx : kBuckets - 1;
  }
  static uint64_t Lower(size_t idx) {
    if (idx < 64) return idx;
    size_t shift = (idx - 64) / 32 + 1;
    return (32 + (idx - 64) % 32) << shift;
  }
  static uint64_t Upper(size_t idx) {
    return idx < 64 ? idx + 1 : Lower(idx) + (uint64_t{1} << ((idx - 64) / 32 + 1));
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
};

}  // namespace mercato::bench

#pragma once
// SeededRandom: the clustering models' only source of randomness. The same seed gives the same
// sequence on every platform (Mersenne Twister 64 with integer-only mapping to ranges), so that a
// seeded model is reproducible.
//
// Thread safety: none; one instance per thread.

#include <cstdint>
#include <random>

namespace mercato::analytics::clustering {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, 1), 53 random bits.
  double Uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Uniform in [0, n) for n >= 1, without modulo bias.
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t value = engine_();
    while (value >= limit) value = engine_();
    return value % n;
  }

 private:
  std::mt19937_64 engine_;
};

// Squared Euclidean distance, summed in column order (the order scikit-learn's trees use, so that
// radius comparisons agree bit for bit).
inline double SquaredDistance(const double* a, const double* b, size_t cols) {
  double sum = 0.0;
  for (size_t j = 0; j < cols; ++j) {
    const double diff = a[j] - b[j];
    sum += diff * diff;
  }
  return sum;
}

}  // namespace mercato::analytics::clustering

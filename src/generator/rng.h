#pragma once
// Rng: a small seeded pseudo-random generator (SplitMix64) with the few distributions the shop
// generator needs. Unlike std::mt19937 + std::*_distribution, every draw here is defined by this
// file alone, so one seed gives the same shop with any standard library. (The distributions use
// std::log/std::exp/std::cos, so results are bit-identical on one platform and may differ in the
// last ulp across libm implementations.)
//
// Thread safety: an Rng is a value; use one per thread.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mercato::generator {

// Mixes up to three words into one well-distributed seed (sub-streams per customer, per product).
uint64_t MixSeed(uint64_t a, uint64_t b, uint64_t c = 0);

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next();
  // Uniform in [0, 1), 53 random bits.
  double Uniform();
  // Uniform integer in [lo, hi]; requires lo <= hi.
  int64_t UniformInt(int64_t lo, int64_t hi);
  bool Bernoulli(double p) { return Uniform() < p; }
  // Exponential with the given mean (> 0).
  double Exponential(double mean);
  // Standard normal (Box-Muller, one draw per call).
  double Normal();
  // Log-normal with the given median and log-space standard deviation.
  double LogNormal(double median, double sigma);
  // Poisson by inversion; intended for small means (< 30), larger ones use a normal approximation.
  int Poisson(double mean);
  // An index drawn with probability proportional to the weights whose running sums are given
  // (cumulative.back() is the total; requires a non-empty vector with a positive total).
  size_t Pick(const std::vector<double>& cumulative);

 private:
  uint64_t state_;
};

}  // namespace mercato::generator

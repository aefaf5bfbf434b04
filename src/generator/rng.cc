#include "generator/rng.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mercato::generator {
namespace {

uint64_t Finalize(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t MixSeed(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t h = Finalize(a + 0x9e3779b97f4a7c15ull);
  h = Finalize(h ^ (b + 0x632be59bd9b4e019ull));
  return Finalize(h ^ (c + 0x85ebca77c2b2ae63ull));
}

uint64_t Rng::Next() {
  state_ += 0x9e3779b97f4a7c15ull;
  return Finalize(state_);
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

int64_t Rng::UniformInt(int64_t lo, int64_t hi) {
  // Multiply-shift keeps the bias below 2^-64 * range, far below anything a test could see.
  const unsigned __int128 range =
      static_cast<unsigned __int128>(static_cast<uint64_t>(hi - lo)) + 1;
  return lo + static_cast<int64_t>((range * Next()) >> 64);
}

double Rng::Exponential(double mean) { return -mean * std::log1p(-Uniform()); }

double Rng::Normal() {
  // 1 - Uniform() is in (0, 1], so the log is finite.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - Uniform()));
  return radius * std::cos(2.0 * std::numbers::pi * Uniform());
}

double Rng::LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }

int Rng::Poisson(double mean) {
  if (mean <= 0) return 0;
  if (mean >= 30)
    return std::max(0, static_cast<int>(std::lround(mean + std::sqrt(mean) * Normal())));
  // Inversion: walk the CDF until it passes one uniform draw.
  double probability = std::exp(-mean);
  double cumulative = probability;
  const double target = Uniform();
  int count = 0;
  while (target > cumulative && count < 200) {
    ++count;
    probability *= mean / count;
    cumulative += probability;
  }
  return count;
}

size_t Rng::Pick(const std::vector<double>& cumulative) {
  const double target = Uniform() * cumulative.back();
  auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
  return std::min(static_cast<size_t>(it - cumulative.begin()), cumulative.size() - 1);
}

}  // namespace mercato::generator

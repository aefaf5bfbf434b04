#include "analytics/clv/simulate.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace mercato::analytics::clv {

Result<std::vector<CustomerSummary>> SimulateBgNbd(const BgNbdParams& params,
                                                   std::span<const double> ages, uint64_t seed,
                                                   double resolution) {
  RETURN_IF_ERROR(ValidateBgNbdParams(params));
  if (!(resolution >= 0) || !std::isfinite(resolution)) {
    return Status::InvalidArgument("resolution must be finite and >= 0");
  }
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> rate(params.r, 1.0 / params.alpha);
  std::gamma_distribution<double> beta_a(params.a, 1.0);
  std::gamma_distribution<double> beta_b(params.b, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<CustomerSummary> out;
  out.reserve(ages.size());
  for (const double age : ages) {
    if (!(age >= 0) || !std::isfinite(age)) {
      return Status::InvalidArgument("ages must be finite and >= 0");
    }
    const double lambda = rate(rng);
    const double ga = beta_a(rng);
    const double dropout = ga / (ga + beta_b(rng));
    CustomerSummary c;
    c.age = age;
    double t = 0;
    while (lambda > 0) {
      t += std::exponential_distribution<double>(lambda)(rng);
      if (t > age) break;
      ++c.frequency;
      c.recency = t;
      if (uniform(rng) < dropout) break;
    }
    if (resolution > 0 && c.frequency > 0) {
      c.recency = std::min(std::round(c.recency / resolution) * resolution, age);
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace mercato::analytics::clv

#include "analytics/clv/gamma_gamma.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>

#include "analytics/clv/parallel.h"
#include "analytics/clv/special_functions.h"

namespace mercato::analytics::clv {
namespace {

constexpr size_t kChunkRows = 16384;
// As in bgnbd.cc: estimates beyond exp(+-15) of their natural scale mean there is no maximum.
constexpr double kDivergedLog = 15.0;

bool PositiveFinite(double v) { return v > 0 && std::isfinite(v); }

}  // namespace

Status ValidateGammaGammaParams(const GammaGammaParams& p) {
  if (!PositiveFinite(p.p) || !PositiveFinite(p.q) || !PositiveFinite(p.gamma)) {
    return Status::InvalidArgument(
        "Gamma-Gamma parameters p, q, gamma must be positive and finite");
  }
  return Status::Ok();
}

Result<GammaGammaData> GammaGammaData::Create(std::span<const CustomerSummary> customers) {
  std::vector<size_t> order;
  for (size_t i = 0; i < customers.size(); ++i) {
    const CustomerSummary& c = customers[i];
    if (Status s = ValidateSummary(c); !s.ok()) {
      return Status::InvalidArgument("customer " + std::to_string(i) + ": " + s.message());
    }
    if (c.frequency == 0) continue;
    if (!(c.monetary_value > 0)) {
      return Status::InvalidArgument("customer " + std::to_string(i) +
                                     ": a repeat buyer needs a positive monetary value");
    }
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t l, size_t r) {
    return customers[l].frequency < customers[r].frequency;
  });
  GammaGammaData data;
  data.frequency_.reserve(order.size());
  data.total_value_.reserve(order.size());
  double value_sum = 0;
  for (size_t i : order) {
    const auto x = static_cast<double>(customers[i].frequency);
    const double m = customers[i].monetary_value;
    data.frequency_.push_back(x);
    data.total_value_.push_back(x * m);
    if (data.distinct_x_.empty() || data.distinct_x_.back() != x) {
      data.distinct_x_.push_back(x);
      data.x_counts_.push_back(0.0);
    }
    data.x_counts_.back() += 1.0;
    data.constant_ -= std::log(m);
    data.p_coefficient_ += x * (std::log(m) + std::log(x));
    value_sum += m;
  }
  if (!order.empty()) data.mean_value_ = value_sum / static_cast<double>(order.size());
  return data;
}

Result<double> GammaGammaLogLikelihood(const GammaGammaData& data, const GammaGammaParams& p,
                                       GammaGammaParams* gradient, int threads) {
  RETURN_IF_ERROR(ValidateGammaGammaParams(p));
  // Per customer with w = x m + gamma: sums of log w, x log w, 1 / w, x / w.
  std::array<double, 4> sums{};
  ParallelSum(
      data.frequency_.size(), kChunkRows, threads,
      [&](size_t begin, size_t end, std::span<double> out) {
        double log_w = 0;
        double x_log_w = 0;
        double inv_w = 0;
        double x_inv_w = 0;
        for (size_t i = begin; i < end; ++i) {
          const double x = data.frequency_[i];
          const double w = data.total_value_[i] + p.gamma;
          const double lw = std::log(w);
          log_w += lw;
          x_log_w += x * lw;
          inv_w += 1.0 / w;
          x_inv_w += x / w;
        }
        out[0] += log_w;
        out[1] += x_log_w;
        out[2] += inv_w;
        out[3] += x_inv_w;
      },
      sums);
  double ll = data.constant_ + p.p * data.p_coefficient_ - p.p * sums[1] - p.q * sums[0];
  double dp = data.p_coefficient_ - sums[1];
  double dq = -sums[0];
  double dgamma = -(p.p * sums[3] + p.q * sums[2]);
  const double log_gamma_q = LogGamma(p.q);
  const double psi_q = Digamma(p.q);
  const double log_rate = std::log(p.gamma);
  for (size_t k = 0; k < data.distinct_x_.size(); ++k) {
    const double x = data.distinct_x_[k];
    const double n = data.x_counts_[k];
    const double px = p.p * x;
    const double psi_pxq = Digamma(px + p.q);
    ll += n * (LogGamma(px + p.q) - LogGamma(px) - log_gamma_q + p.q * log_rate);
    dp += n * x * (psi_pxq - Digamma(px));
    dq += n * (psi_pxq - psi_q + log_rate);
    dgamma += n * p.q / p.gamma;
  }
  if (gradient != nullptr) *gradient = {dp, dq, dgamma};
  return ll;
}

Result<GammaGammaFit> FitGammaGamma(const GammaGammaData& data, const MleOptions& options) {
  if (data.repeat_buyers() == 0) {
    return Status::FailedPrecondition(
        "Gamma-Gamma fit: no repeat buyer (frequency > 0), so spend cannot be estimated");
  }
  const LogLikelihoodFn log_likelihood = [&](std::span<const double> x,
                                             std::span<double> grad) -> Result<double> {
    GammaGammaParams g;
    ASSIGN_OR_RETURN(const double ll,
                     GammaGammaLogLikelihood(data, {x[0], x[1], x[2]}, &g, options.threads));
    grad[0] = g.p;
    grad[1] = g.q;
    grad[2] = g.gamma;
    return ll;
  };
  // gamma is a money scale: start with the population mean p gamma / (q - 1) at the observed mean.
  const double mean = data.mean_monetary_value();
  const std::array<std::array<double, 3>, 2> starts = {{{1.0, 2.0, mean}, {5.0, 3.0, 0.4 * mean}}};
  std::optional<GammaGammaFit> best;
  int evaluations = 0;
  for (const auto& start : starts) {
    std::array<double, 3> x = start;
    ASSIGN_OR_RETURN(MleReport report,
                     MaximizeLogLikelihood(log_likelihood, x,
                                           static_cast<double>(data.repeat_buyers()), options));
    evaluations += report.evaluations;
    if (!best || report.log_likelihood > best->report.log_likelihood) {
      best = GammaGammaFit{{x[0], x[1], x[2]}, std::move(report)};
    }
    if (best->report.converged) break;
  }
  best->report.evaluations = evaluations;
  const GammaGammaParams& p = best->params;
  if (std::abs(std::log(p.p)) > kDivergedLog || std::abs(std::log(p.q)) > kDivergedLog ||
      std::abs(std::log(p.gamma) - std::log(mean)) > kDivergedLog) {
    return Status::FailedPrecondition(
        "Gamma-Gamma fit: the estimates diverge (p=" + std::to_string(p.p) +
        ", q=" + std::to_string(p.q) + ", gamma=" + std::to_string(p.gamma) +
        "); the data cannot identify them (e.g. no variation in spend)");
  }
  return *std::move(best);
}

Result<double> ExpectedAverageValue(const GammaGammaParams& p, const CustomerSummary& c) {
  RETURN_IF_ERROR(ValidateGammaGammaParams(p));
  RETURN_IF_ERROR(ValidateSummary(c));
  const auto x = static_cast<double>(c.frequency);
  if (x > 0 && !(c.monetary_value > 0)) {
    return Status::InvalidArgument("a repeat buyer needs a positive monetary value");
  }
  const double denominator = p.p * x + p.q - 1.0;
  if (!(denominator > 0)) {
    return Status::FailedPrecondition(
        "expected average value: p x + q <= 1, the conditional mean does not exist");
  }
  return p.p * (p.gamma + x * c.monetary_value) / denominator;
}

}  // namespace mercato::analytics::clv

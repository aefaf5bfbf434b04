#include "analytics/clv/bgnbd.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "analytics/clv/parallel.h"
#include "analytics/clv/special_functions.h"

namespace mercato::analytics::clv {
namespace {

constexpr size_t kChunkRows = 16384;
constexpr int64_t kMaxFrequency = int64_t{1} << 31;
constexpr int kMaxSeriesTerms = 10'000'000;
// Estimates beyond exp(+-15) (~3e6 times the natural scale) mean the likelihood has no interior
// maximum: it keeps growing towards a boundary (e.g. p, q -> infinity for constant spend).
constexpr double kDivergedLog = 15.0;

bool PositiveFinite(double v) { return v > 0 && std::isfinite(v); }

// The x-only part of the log-likelihood, log[Gamma(r+x) alpha^r / Gamma(r)] +
// log[B(a, b+x) / B(a, b)], and its partial derivatives.
struct FrequencyTerm {
  double value;
  std::array<double, 4> gradient;
};

FrequencyTerm FrequencyPart(const BgNbdParams& p, double x) {
  const double log_alpha = std::log(p.alpha);
  const double psi_ab = Digamma(p.a + p.b);
  const double psi_abx = Digamma(p.a + p.b + x);
  FrequencyTerm t;
  t.value = LogGamma(p.r + x) - LogGamma(p.r) + p.r * log_alpha + LogGamma(p.a + p.b) +
            LogGamma(p.b + x) - LogGamma(p.b) - LogGamma(p.a + p.b + x);
  t.gradient[0] = Digamma(p.r + x) - Digamma(p.r) + log_alpha;
  t.gradient[1] = p.r / p.alpha;
  t.gradient[2] = psi_ab - psi_abx;
  t.gradient[3] = psi_ab + Digamma(p.b + x) - Digamma(p.b) - psi_abx;
  return t;
}

// One distinct (x, T, t_x) and how many customers have it; count 0 marks an empty hash slot.
struct Triple {
  int64_t x;
  double age;
  double recency;
  double count;
};

// The slot of `key` in a power-of-two open-addressing table (linear probing): the slot holding
// the same triple, or the empty slot where it belongs. The table is never full.
Triple* FindSlot(std::vector<Triple>& table, const Triple& key) {
  uint64_t h = static_cast<uint64_t>(key.x) * 0x9E3779B97F4A7C15ull;
  h ^= std::bit_cast<uint64_t>(key.age) + 0x7F4A7C159E3779B9ull + (h << 6) + (h >> 2);
  h ^= std::bit_cast<uint64_t>(key.recency) + 0x94D049BB133111EBull + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 29;
  const size_t mask = table.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    Triple& slot = table[i];
    if (slot.count == 0 ||
        (slot.x == key.x && slot.age == key.age && slot.recency == key.recency)) {
      return &slot;
    }
  }
}

}  // namespace

Status ValidateBgNbdParams(const BgNbdParams& p) {
  if (!PositiveFinite(p.r) || !PositiveFinite(p.alpha) || !PositiveFinite(p.a) ||
      !PositiveFinite(p.b)) {
    return Status::InvalidArgument("BG/NBD parameters r, alpha, a, b must be positive and finite");
  }
  return Status::Ok();
}

Result<BgNbdData> BgNbdData::Create(std::span<const CustomerSummary> customers) {
  // Merge identical triples in an open-addressing hash table (cheaper than sorting every customer
  // when, as usual, many share a triple), then sort the distinct ones.
  std::vector<Triple> table(64);
  size_t distinct = 0;
  for (size_t i = 0; i < customers.size(); ++i) {
    const CustomerSummary& c = customers[i];
    if (Status s = ValidateSummary(c); !s.ok()) {
      return Status::InvalidArgument("customer " + std::to_string(i) + ": " + s.message());
    }
    if (c.frequency >= kMaxFrequency) {
      return Status::InvalidArgument("customer " + std::to_string(i) + ": frequency too large");
    }
    // -0.0 and 0.0 must merge: + 0.0 turns the first into the second.
    const Triple key{c.frequency, c.age + 0.0, c.recency + 0.0, 1.0};
    if (2 * (distinct + 1) > table.size()) {
      std::vector<Triple> bigger(2 * table.size());
      for (const Triple& t : table) {
        if (t.count > 0) *FindSlot(bigger, t) = t;
      }
      table.swap(bigger);
    }
    Triple* slot = FindSlot(table, key);
    if (slot->count > 0) {
      slot->count += 1.0;
    } else {
      *slot = key;
      ++distinct;
    }
  }
  std::vector<Triple> triples;
  triples.reserve(distinct);
  for (const Triple& t : table) {
    if (t.count > 0) triples.push_back(t);
  }
  std::sort(triples.begin(), triples.end(), [](const Triple& l, const Triple& r) {
    if (l.x != r.x) return l.x < r.x;
    if (l.age != r.age) return l.age < r.age;
    return l.recency < r.recency;
  });

  BgNbdData data;
  data.rows_.reserve(triples.size());
  for (const Triple& t : triples) {
    if (data.distinct_x_.empty() || data.distinct_x_.back() != t.x) {
      data.distinct_x_.push_back(t.x);
      data.x_counts_.push_back(0.0);
    }
    data.x_counts_.back() += t.count;
    data.rows_.push_back(
        {t.count, t.age, t.recency, static_cast<uint32_t>(data.distinct_x_.size() - 1)});
    data.customers_ += t.count;
    data.repeat_purchases_ += t.count * static_cast<double>(t.x);
    data.total_age_ += t.count * t.age;
    data.max_age_ = std::max(data.max_age_, t.age);
  }
  return data;
}

Result<double> BgNbdLogLikelihood(const BgNbdData& data, const BgNbdParams& p,
                                  BgNbdParams* gradient, int threads) {
  RETURN_IF_ERROR(ValidateBgNbdParams(p));
  // Per distinct x: log[a / (b + x - 1)] and 1 / (b + x - 1) (unused for x = 0).
  const size_t n_x = data.distinct_x_.size();
  std::vector<double> log_ratio(n_x, 0.0);
  std::vector<double> inv_bx(n_x, 0.0);
  for (size_t k = 0; k < n_x; ++k) {
    if (data.distinct_x_[k] == 0) continue;
    const double bx = p.b + static_cast<double>(data.distinct_x_[k]) - 1.0;
    log_ratio[k] = std::log(p.a) - std::log(bx);
    inv_bx[k] = 1.0 / bx;
  }

  // Per row: log[ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ] by log-sum-exp, with the
  // weights w3, w4 of its two terms. Sums: LL, dr, dalpha, sum(w4) (da = sum / a), db.
  std::array<double, 5> sums{};
  ParallelSum(
      data.rows_.size(), kChunkRows, threads,
      [&](size_t begin, size_t end, std::span<double> out) {
        double ll = 0;
        double dr = 0;
        double dalpha = 0;
        double w4_sum = 0;
        double db = 0;
        for (size_t i = begin; i < end; ++i) {
          const BgNbdData::Row& row = data.rows_[i];
          const double x = static_cast<double>(data.distinct_x_[row.x]);
          const double age = p.alpha + row.age;
          const double u = std::log(age);
          if (x == 0) {
            ll -= row.count * p.r * u;
            dr -= row.count * u;
            dalpha -= row.count * p.r / age;
            continue;
          }
          const double recency = p.alpha + row.recency;
          const double v = std::log(recency);
          const double k = p.r + x;
          const double a3 = -k * u;
          const double a4 = log_ratio[row.x] - k * v;
          double w3;
          double w4;
          double lse;
          if (a3 > a4) {
            const double e = std::exp(a4 - a3);
            lse = a3 + std::log1p(e);
            w3 = 1.0 / (1.0 + e);
            w4 = e * w3;
          } else {
            const double e = std::exp(a3 - a4);
            lse = a4 + std::log1p(e);
            w4 = 1.0 / (1.0 + e);
            w3 = e * w4;
          }
          ll += row.count * lse;
          dr -= row.count * (w3 * u + w4 * v);
          dalpha -= row.count * k * (w3 / age + w4 / recency);
          w4_sum += row.count * w4;
          db -= row.count * w4 * inv_bx[row.x];
        }
        out[0] += ll;
        out[1] += dr;
        out[2] += dalpha;
        out[3] += w4_sum;
        out[4] += db;
      },
      sums);

  double ll = sums[0];
  std::array<double, 4> g = {sums[1], sums[2], sums[3] / p.a, sums[4]};
  for (size_t k = 0; k < n_x; ++k) {
    const FrequencyTerm term = FrequencyPart(p, static_cast<double>(data.distinct_x_[k]));
    ll += data.x_counts_[k] * term.value;
    for (size_t j = 0; j < 4; ++j) g[j] += data.x_counts_[k] * term.gradient[j];
  }
  if (gradient != nullptr) *gradient = {g[0], g[1], g[2], g[3]};
  return ll;
}

Result<BgNbdFit> FitBgNbd(const BgNbdData& data, const MleOptions& options) {
  if (data.customers() <= 0) return Status::InvalidArgument("BG/NBD fit: no customers");
  if (data.repeat_purchases() <= 0) {
    return Status::FailedPrecondition(
        "BG/NBD fit: no customer has a repeat purchase, so the purchase rate and dropout cannot be "
        "estimated");
  }
  if (data.max_age() <= 0) {
    return Status::FailedPrecondition("BG/NBD fit: every customer has age 0");
  }
  const LogLikelihoodFn log_likelihood = [&](std::span<const double> x,
                                             std::span<double> grad) -> Result<double> {
    BgNbdParams g;
    ASSIGN_OR_RETURN(const double ll,
                     BgNbdLogLikelihood(data, {x[0], x[1], x[2], x[3]}, &g, options.threads));
    grad[0] = g.r;
    grad[1] = g.alpha;
    grad[2] = g.a;
    grad[3] = g.b;
    return ll;
  };
  // alpha is a time scale: start it at the mean time per repeat purchase (r = 1), so the
  // starting purchase rate matches the data whatever the time unit.
  const double alpha0 = std::max(data.total_age() / data.repeat_purchases(), 1e-6 * data.max_age());
  const std::array<std::array<double, 4>, 2> starts = {
      {{1.0, alpha0, 1.0, 1.0}, {0.3, 0.3 * alpha0, 0.5, 3.0}}};
  std::optional<BgNbdFit> best;
  int evaluations = 0;
  for (const auto& start : starts) {
    std::array<double, 4> x = start;
    ASSIGN_OR_RETURN(MleReport report,
                     MaximizeLogLikelihood(log_likelihood, x, data.customers(), options));
    evaluations += report.evaluations;
    if (!best || report.log_likelihood > best->report.log_likelihood) {
      best = BgNbdFit{{x[0], x[1], x[2], x[3]}, std::move(report)};
    }
    if (best->report.converged) break;
  }
  best->report.evaluations = evaluations;
  const BgNbdParams& p = best->params;
  const double scale = std::log(alpha0);
  if (std::abs(std::log(p.r)) > kDivergedLog ||
      std::abs(std::log(p.alpha) - scale) > kDivergedLog ||
      std::abs(std::log(p.a)) > kDivergedLog || std::abs(std::log(p.b)) > kDivergedLog) {
    return Status::FailedPrecondition(
        "BG/NBD fit: the estimates diverge (r=" + std::to_string(p.r) +
        ", alpha=" + std::to_string(p.alpha) + ", a=" + std::to_string(p.a) +
        ", b=" + std::to_string(p.b) + "); the data cannot identify them");
  }
  return *std::move(best);
}

Result<double> ProbabilityAlive(const BgNbdParams& p, const CustomerSummary& c) {
  RETURN_IF_ERROR(ValidateBgNbdParams(p));
  RETURN_IF_ERROR(ValidateSummary(c));
  if (c.frequency == 0) return 1.0;
  const double x = static_cast<double>(c.frequency);
  // log of a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)
  const double log_odds = std::log(p.a) - std::log(p.b + x - 1.0) +
                          (p.r + x) * std::log1p((c.age - c.recency) / (p.alpha + c.recency));
  return 1.0 / (1.0 + std::exp(log_odds));
}

Result<double> ExpectedPurchases(const BgNbdParams& p, const CustomerSummary& c, double horizon) {
  RETURN_IF_ERROR(ValidateBgNbdParams(p));
  RETURN_IF_ERROR(ValidateSummary(c));
  if (!(horizon >= 0) || !std::isfinite(horizon)) {
    return Status::InvalidArgument("horizon must be finite and >= 0");
  }
  if (horizon == 0) return 0.0;
  ASSIGN_OR_RETURN(const double alive, ProbabilityAlive(p, c));
  const double x = static_cast<double>(c.frequency);
  // E = P(alive) * (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
  //                                        * 2F1(r+x, b+x; a+b+x-1; z)],  z = t/(alpha+T+t).
  // Euler's transformation turns the bracket into 1 - (1-z)^(a-1) 2F1(A, B; C; z) with
  // A = a+b-1-r, B = a-1, C = a+b+x-1, whose parameters do not grow with x. Writing
  // (B)_n = B (B+1)_{n-1} and (C)_n = C (C+1)_{n-1} (C > -1) removes the removable singularities at
  // a = 1 and C = 0:  E / P(alive) = C * f - (1-z)^B * S, with
  //   f = -expm1(B log(1-z)) / B  (-log(1-z) when B = 0),
  //   S = sum_{n>=1} (A)_n (B+1)_{n-1} / ((C+1)_{n-1} n!) z^n.
  const double big_a = p.a + p.b - 1.0 - p.r;
  const double big_b = p.a - 1.0;
  const double big_c = p.a + p.b + x - 1.0;
  const double s = p.alpha + c.age;
  const double z = horizon / (s + horizon);
  const double log1mz = -std::log1p(horizon / s);
  const double f = big_b == 0 ? -log1mz : -std::expm1(big_b * log1mz) / big_b;
  const double power = std::exp(big_b * log1mz);

  double term = big_a * z;
  double series = term;
  bool converged = false;
  for (int n = 1; n < kMaxSeriesTerms; ++n) {
    const double nd = n;
    const double ratio = (big_a + nd) * (big_b + nd) * z / ((big_c + nd) * (nd + 1.0));
    term *= ratio;
    series += term;
    // Past the point where the term ratio falls below 1 and no longer changes sign, the tail is
    // bounded by a geometric series with ratio max(|ratio|, z).
    if (nd > std::abs(big_a) + std::abs(big_b) + std::abs(big_c) + 2.0) {
      const double rho = std::max(std::abs(ratio), z);
      if (rho < 1.0) {
        const double tail = std::abs(term) * rho / (1.0 - rho);
        if (tail <= 1e-16 * (std::abs(big_c * f) + power * std::abs(series))) {
          converged = true;
          break;
        }
      }
    }
    if (!std::isfinite(series)) break;
  }
  if (!converged) {
    return Status::FailedPrecondition(
        "expected purchases: the hypergeometric series did not converge (horizon too long for "
        "alpha + T)");
  }
  const double expected = alive * (big_c * f - power * series);
  if (!std::isfinite(expected)) {
    return Status::FailedPrecondition("expected purchases: not finite for these parameters");
  }
  return std::max(expected, 0.0);
}

Result<double> PopulationExpectedPurchases(const BgNbdParams& params, double horizon) {
  return ExpectedPurchases(params, CustomerSummary{}, horizon);
}

}  // namespace mercato::analytics::clv

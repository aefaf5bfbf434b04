// mercato_clv_fit: BG/NBD maximum-likelihood fit on --customers synthetic customers drawn from the
// model at known parameters (the CDNOW estimates of Fader, Hardie & Lee 2005) with a fixed seed.
// Customers join over 12 weeks and are observed until week 39, times recorded per day (as
// SummarizeTransactions produces them) and expressed in weeks; --continuous keeps exact times, so
// that no two customers share (x, t_x, T) and compression gains nothing (the worst case).
//
// Times, per repeat: building BgNbdData (validation, sort, merging identical triples) and the fit
// (NLopt L-BFGS, multi-threaded likelihood); the goal is a fit of 1M customers in <= 1 s.
// Prints one JSON line per repeat: customers, distinct rows, threads, data_s, fit_s, total_s,
// evaluations, converged, the estimates, their relative errors and the log-likelihood.

#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "analytics/clv/bgnbd.h"
#include "analytics/clv/parallel.h"
#include "analytics/clv/simulate.h"

namespace mercato::bench {
namespace {

using analytics::clv::BgNbdData;
using analytics::clv::BgNbdParams;
using SteadyClock = std::chrono::steady_clock;

constexpr BgNbdParams kTruth{0.243, 4.414, 0.793, 2.426};

double Seconds(SteadyClock::time_point from) {
  return std::chrono::duration<double>(SteadyClock::now() - from).count();
}

int Main(int argc, char** argv) {
  CLI::App app{"BG/NBD fit on synthetic customers"};
  size_t customers = 1'000'000;
  uint64_t seed = 20050401;
  int threads = 0;
  int repeats = 3;
  bool continuous = false;
  app.add_option("--customers", customers, "Customers to draw")->capture_default_str();
  app.add_option("--seed", seed, "Random seed")->capture_default_str();
  app.add_option("--threads", threads, "Likelihood threads (0: all cores)")->capture_default_str();
  app.add_option("--repeats", repeats, "Timed fits")->capture_default_str();
  app.add_flag("--continuous", continuous, "Exact times instead of days (no shared triples)");
  CLI11_PARSE(app, argc, argv);

  // Day of acquisition d in [0, 84): T = (272 - d) / 7 weeks, like the CDNOW cohort.
  std::vector<double> ages(customers);
  for (size_t i = 0; i < customers; ++i) ages[i] = static_cast<double>(272 - i % 84) / 7.0;
  auto drawn = analytics::clv::SimulateBgNbd(kTruth, ages, seed, continuous ? 0.0 : 1.0 / 7.0);
  if (!drawn.ok()) {
    std::fprintf(stderr, "mercato_clv_fit: %s\n", drawn.status().ToString().c_str());
    return 1;
  }
  const int used_threads = threads > 0 ? threads : analytics::clv::DefaultThreads();
  for (int repeat = 0; repeat < repeats; ++repeat) {
    const auto start = SteadyClock::now();
    auto data = BgNbdData::Create(*drawn);
    if (!data.ok()) {
      std::fprintf(stderr, "mercato_clv_fit: %s\n", data.status().ToString().c_str());
      return 1;
    }
    const double data_s = Seconds(start);
    const auto fit_start = SteadyClock::now();
    analytics::clv::MleOptions options;
    options.threads = threads;
    auto fit = analytics::clv::FitBgNbd(*data, options);
    const double fit_s = Seconds(fit_start);
    if (!fit.ok()) {
      std::fprintf(stderr, "mercato_clv_fit: %s\n", fit.status().ToString().c_str());
      return 1;
    }
    const BgNbdParams& p = fit->params;
    std::printf(
        "{\"customers\":%zu,\"rows\":%zu,\"times\":\"%s\",\"threads\":%d,\"data_s\":%.4f,"
        "\"fit_s\":%.4f,\"total_s\":%.4f,\"evaluations\":%d,\"converged\":%s,\"status\":\"%s\","
        "\"r\":%.5f,\"alpha\":%.5f,\"a\":%.5f,\"b\":%.5f,\"r_err\":%.4f,\"alpha_err\":%.4f,"
        "\"a_err\":%.4f,\"b_err\":%.4f,\"log_likelihood\":%.2f}\n",
        customers, data->rows(), continuous ? "exact" : "days", used_threads, data_s, fit_s,
        data_s + fit_s, fit->report.evaluations, fit->report.converged ? "true" : "false",
        fit->report.status.c_str(), p.r, p.alpha, p.a, p.b, p.r / kTruth.r - 1,
        p.alpha / kTruth.alpha - 1, p.a / kTruth.a - 1, p.b / kTruth.b - 1,
        fit->report.log_likelihood);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace mercato::bench

int main(int argc, char** argv) { return mercato::bench::Main(argc, argv); }

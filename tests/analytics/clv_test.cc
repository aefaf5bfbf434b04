// BG/NBD and Gamma-Gamma: summaries from transactions, likelihoods and their gradients, the fits
// against the published CDNOW figures, predictions against values evaluated independently at 40
// significant digits (mpmath's hyp2f1 on the paper's formulas), and degenerate inputs.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "analytics/clv/bgnbd.h"
#include "analytics/clv/customer_summary.h"
#include "analytics/clv/gamma_gamma.h"
#include "analytics/clv/lifetime_value.h"
#include "analytics/clv/parallel.h"
#include "analytics/clv/simulate.h"
#include "core/time_format.h"
#include "support/test_support.h"

namespace mercato::analytics::clv {
namespace {

// Fader, Hardie & Lee (2005), CDNOW sample, 39-week calibration.
constexpr BgNbdParams kPaperBgNbd{0.243, 4.414, 0.793, 2.426};
constexpr double kPaperLogLikelihood = -9582.4;
// Fader & Hardie, "The Gamma-Gamma model of monetary value", CDNOW repeat buyers.
constexpr GammaGammaParams kPaperGammaGamma{6.25, 3.74, 15.44};

int64_t DayMicros(int y, unsigned m, unsigned d) { return DaysFromCivil(y, m, d) * kMicrosPerDay; }

// CDNOW_sample.txt: master id, sample id, YYYYMMDD, number of CDs, dollar value (CRLF).
std::vector<Transaction> ReadCdnowSample(const std::filesystem::path& path) {
  std::vector<Transaction> out;
  std::ifstream in(path);
  std::string master;
  std::string id;
  std::string date;
  int cds = 0;
  double value = 0;
  while (in >> master >> id >> date >> cds >> value) {
    const int y = std::stoi(date.substr(0, 4));
    const auto m = static_cast<unsigned>(std::stoi(date.substr(4, 2)));
    const auto d = static_cast<unsigned>(std::stoi(date.substr(6, 2)));
    out.push_back({id, DayMicros(y, m, d), value});
  }
  return out;
}

// cdnow_customers_summary_with_transactions.csv: ID,x,t_x,T,zbar.
std::map<int, CustomerSummary> ReadSummaryFile(const std::filesystem::path& path) {
  std::map<int, CustomerSummary> out;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream fields(line);
    std::string f[5];
    for (std::string& field : f) std::getline(fields, field, ',');
    out[std::stoi(f[0])] = {std::stoll(f[1]), std::stod(f[2]), std::stod(f[3]), std::stod(f[4])};
  }
  return out;
}

// Calibration: 39 weeks from 1997-01-01, i.e. up to and including 1997-09-30, times in weeks.
SummaryOptions CdnowOptions() {
  SummaryOptions options;
  options.calibration_end_us = DayMicros(1997, 9, 30);
  options.period_us = kMicrosPerDay;
  options.unit_us = kMicrosPerWeek;
  return options;
}

std::vector<CustomerSummary> Summaries(const std::vector<SummarizedCustomer>& customers) {
  std::vector<CustomerSummary> out;
  out.reserve(customers.size());
  for (const auto& c : customers) out.push_back(c.summary);
  return out;
}

// A small hermetic data set: drawn from the model at the paper's parameters.
std::vector<CustomerSummary> Simulated(size_t n, uint64_t seed, double resolution = 1.0 / 7) {
  std::vector<double> ages(n);
  for (size_t i = 0; i < n; ++i) ages[i] = static_cast<double>(272 - (i * 7919) % 84) / 7.0;
  auto customers = SimulateBgNbd(kPaperBgNbd, ages, seed, resolution);
  EXPECT_TRUE(customers.ok()) << customers.status().ToString();
  return customers.ok() ? *customers : std::vector<CustomerSummary>{};
}

class CdnowTest : public ::testing::Test {
 protected:
  void Load(const std::filesystem::path& sample) {
    auto summarized = SummarizeTransactions(ReadCdnowSample(sample), CdnowOptions());
    ASSERT_TRUE(summarized.ok()) << summarized.status().ToString();
    customers_ = *summarized;
  }
  std::vector<SummarizedCustomer> customers_;
};

TEST_F(CdnowTest, SummariesReproduceThePublishedSummaryFile) {
  REQUIRE_DATA_FILE(sample, "cdnow/CDNOW_sample.txt");
  REQUIRE_DATA_FILE(summary, "cdnow/cdnow_customers_summary_with_transactions.csv");
  ASSERT_NO_FATAL_FAILURE(Load(sample));
  const std::map<int, CustomerSummary> expected = ReadSummaryFile(summary);
  ASSERT_EQ(expected.size(), 2357u);
  ASSERT_EQ(customers_.size(), 2357u);
  int64_t repeat_purchases = 0;
  int repeat_buyers = 0;
  for (const SummarizedCustomer& c : customers_) {
    SCOPED_TRACE("customer " + c.customer_id);
    const auto it = expected.find(std::stoi(c.customer_id));
    ASSERT_NE(it, expected.end());
    // The file is rounded to 2 decimals.
    EXPECT_EQ(c.summary.frequency, it->second.frequency);
    EXPECT_NEAR(c.summary.recency, it->second.recency, 0.005 + 1e-9);
    EXPECT_NEAR(c.summary.age, it->second.age, 0.005 + 1e-9);
    EXPECT_NEAR(c.summary.monetary_value, it->second.monetary_value, 0.005 + 1e-9);
    repeat_purchases += c.summary.frequency;
    repeat_buyers += c.summary.frequency > 0 ? 1 : 0;
  }
  EXPECT_EQ(repeat_purchases, 2457);
  EXPECT_EQ(repeat_buyers, 946);
}

TEST_F(CdnowTest, BgNbdFitMatchesFaderHardieLee2005) {
  REQUIRE_DATA_FILE(sample, "cdnow/CDNOW_sample.txt");
  ASSERT_NO_FATAL_FAILURE(Load(sample));
  auto data = BgNbdData::Create(Summaries(customers_));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->customers(), 2357);

  auto at_paper = BgNbdLogLikelihood(*data, kPaperBgNbd);
  ASSERT_TRUE(at_paper.ok());
  EXPECT_NEAR(*at_paper, kPaperLogLikelihood, 0.05);

  auto fit = FitBgNbd(*data);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_TRUE(fit->report.converged) << fit->report.status << " " << fit->report.gradient_norm;
  EXPECT_NEAR(fit->params.r, kPaperBgNbd.r, 0.005 * kPaperBgNbd.r);
  EXPECT_NEAR(fit->params.alpha, kPaperBgNbd.alpha, 0.005 * kPaperBgNbd.alpha);
  EXPECT_NEAR(fit->params.a, kPaperBgNbd.a, 0.005 * kPaperBgNbd.a);
  EXPECT_NEAR(fit->params.b, kPaperBgNbd.b, 0.005 * kPaperBgNbd.b);
  EXPECT_NEAR(fit->report.log_likelihood, kPaperLogLikelihood, 0.005 * 9582.4);
  // The maximum is at least as high as the published (rounded) point.
  EXPECT_GE(fit->report.log_likelihood, *at_paper);
}

TEST_F(CdnowTest, BgNbdFitOnThePublishedSummaryFileToo) {
  REQUIRE_DATA_FILE(summary, "cdnow/cdnow_customers_summary_with_transactions.csv");
  std::vector<CustomerSummary> customers;
  for (const auto& [id, c] : ReadSummaryFile(summary)) customers.push_back(c);
  auto data = BgNbdData::Create(customers);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  auto fit = FitBgNbd(*data);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_NEAR(fit->params.r, kPaperBgNbd.r, 0.005 * kPaperBgNbd.r);
  EXPECT_NEAR(fit->params.alpha, kPaperBgNbd.alpha, 0.005 * kPaperBgNbd.alpha);
  EXPECT_NEAR(fit->params.a, kPaperBgNbd.a, 0.005 * kPaperBgNbd.a);
  EXPECT_NEAR(fit->params.b, kPaperBgNbd.b, 0.005 * kPaperBgNbd.b);
  EXPECT_NEAR(fit->report.log_likelihood, kPaperLogLikelihood, 0.005 * 9582.4);
}

TEST_F(CdnowTest, GammaGammaFitMatchesFaderHardie) {
  REQUIRE_DATA_FILE(sample, "cdnow/CDNOW_sample.txt");
  ASSERT_NO_FATAL_FAILURE(Load(sample));
  auto data = GammaGammaData::Create(Summaries(customers_));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->repeat_buyers(), 946u);
  EXPECT_NEAR(data->mean_monetary_value(), 35.08, 0.005);  // "$35.08" in the note
  auto fit = FitGammaGamma(*data);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_TRUE(fit->report.converged) << fit->report.status << " " << fit->report.gradient_norm;
  EXPECT_NEAR(fit->params.p, kPaperGammaGamma.p, 0.01 * kPaperGammaGamma.p);
  EXPECT_NEAR(fit->params.q, kPaperGammaGamma.q, 0.01 * kPaperGammaGamma.q);
  EXPECT_NEAR(fit->params.gamma, kPaperGammaGamma.gamma, 0.01 * kPaperGammaGamma.gamma);
  auto at_paper = GammaGammaLogLikelihood(*data, kPaperGammaGamma);
  ASSERT_TRUE(at_paper.ok());
  EXPECT_GE(fit->report.log_likelihood, *at_paper);
}

// Central differences of a log-likelihood in each parameter, relative step 1e-5.
template <size_t N>
void ExpectGradientMatchesFiniteDifferences(
    const std::function<double(const std::array<double, N>&, std::array<double, N>*)>& ll,
    std::array<double, N> at) {
  std::array<double, N> analytic{};
  ll(at, &analytic);
  for (size_t k = 0; k < N; ++k) {
    const double h = 1e-5 * at[k];
    std::array<double, N> up = at;
    std::array<double, N> down = at;
    up[k] += h;
    down[k] -= h;
    const double numeric = (ll(up, nullptr) - ll(down, nullptr)) / (2 * h);
    EXPECT_NEAR(analytic[k], numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << "parameter " << k;
  }
}

TEST(BgNbdTest, GradientMatchesFiniteDifferences) {
  auto data = BgNbdData::Create(Simulated(3000, 11));
  ASSERT_TRUE(data.ok());
  std::function<double(const std::array<double, 4>&, std::array<double, 4>*)> ll =
      [&](const std::array<double, 4>& x, std::array<double, 4>* g) {
        BgNbdParams grad;
        auto v = BgNbdLogLikelihood(*data, {x[0], x[1], x[2], x[3]}, &grad);
        EXPECT_TRUE(v.ok());
        if (g != nullptr) *g = {grad.r, grad.alpha, grad.a, grad.b};
        return v.ok() ? *v : 0.0;
      };
  for (const auto& at :
       {std::array<double, 4>{0.243, 4.414, 0.793, 2.426},
        std::array<double, 4>{1.7, 0.3, 3.5, 0.2}, std::array<double, 4>{0.05, 40.0, 0.1, 12.0}}) {
    SCOPED_TRACE(at[0]);
    ExpectGradientMatchesFiniteDifferences<4>(ll, at);
  }
}

TEST(GammaGammaTest, GradientMatchesFiniteDifferences) {
  std::vector<CustomerSummary> customers;
  customers.reserve(500);
  for (int i = 0; i < 500; ++i) {
    customers.push_back({1 + i % 9, 1.0, 2.0, 5.0 + 40.0 * std::abs(std::sin(i * 1.3))});
  }
  auto data = GammaGammaData::Create(customers);
  ASSERT_TRUE(data.ok());
  std::function<double(const std::array<double, 3>&, std::array<double, 3>*)> ll =
      [&](const std::array<double, 3>& x, std::array<double, 3>* g) {
        GammaGammaParams grad;
        auto v = GammaGammaLogLikelihood(*data, {x[0], x[1], x[2]}, &grad);
        EXPECT_TRUE(v.ok());
        if (g != nullptr) *g = {grad.p, grad.q, grad.gamma};
        return v.ok() ? *v : 0.0;
      };
  for (const auto& at :
       {std::array<double, 3>{6.25, 3.74, 15.44}, std::array<double, 3>{0.5, 1.2, 200.0}}) {
    ExpectGradientMatchesFiniteDifferences<3>(ll, at);
  }
}

TEST(BgNbdTest, LogLikelihoodDoesNotDependOnThreadsOrCompression) {
  std::vector<CustomerSummary> customers = Simulated(60000, 5);
  auto data = BgNbdData::Create(customers);
  ASSERT_TRUE(data.ok());
  EXPECT_LT(data->rows(), customers.size());  // day resolution: many identical triples
  auto one = BgNbdLogLikelihood(*data, kPaperBgNbd, nullptr, 1);
  auto three = BgNbdLogLikelihood(*data, kPaperBgNbd, nullptr, 3);
  ASSERT_TRUE(one.ok() && three.ok());
  EXPECT_EQ(*one, *three);  // bitwise: fixed chunks, reduced in order

  // Every customer twice: the same rows with doubled counts.
  std::vector<CustomerSummary> doubled = customers;
  doubled.insert(doubled.end(), customers.begin(), customers.end());
  auto twice = BgNbdData::Create(doubled);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->rows(), data->rows());
  auto ll2 = BgNbdLogLikelihood(*twice, kPaperBgNbd);
  ASSERT_TRUE(ll2.ok());
  EXPECT_NEAR(*ll2, 2 * *one, 1e-9 * std::abs(*one));

  // Against a direct, uncompressed evaluation of the paper's formula.
  const BgNbdParams& p = kPaperBgNbd;
  double direct = 0;
  for (const CustomerSummary& c : customers) {
    const double x = static_cast<double>(c.frequency);
    const double a1 = std::lgamma(p.r + x) - std::lgamma(p.r) + p.r * std::log(p.alpha);
    const double a2 = std::lgamma(p.a + p.b) + std::lgamma(p.b + x) - std::lgamma(p.b) -
                      std::lgamma(p.a + p.b + x);
    const double a3 = std::pow(1.0 / (p.alpha + c.age), p.r + x);
    const double a4 =
        x > 0 ? p.a / (p.b + x - 1) * std::pow(1.0 / (p.alpha + c.recency), p.r + x) : 0.0;
    direct += a1 + a2 + std::log(a3 + a4);
  }
  EXPECT_NEAR(*one, direct, 1e-9 * std::abs(direct));
}

TEST(BgNbdTest, FitRecoversSimulatedParameters) {
  auto data = BgNbdData::Create(Simulated(200000, 2024));
  ASSERT_TRUE(data.ok());
  auto fit = FitBgNbd(*data);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  EXPECT_TRUE(fit->report.converged);
  // Sampling error with 200k customers is a few percent at most.
  EXPECT_NEAR(fit->params.r, kPaperBgNbd.r, 0.05 * kPaperBgNbd.r);
  EXPECT_NEAR(fit->params.alpha, kPaperBgNbd.alpha, 0.08 * kPaperBgNbd.alpha);
  EXPECT_NEAR(fit->params.a, kPaperBgNbd.a, 0.10 * kPaperBgNbd.a);
  EXPECT_NEAR(fit->params.b, kPaperBgNbd.b, 0.15 * kPaperBgNbd.b);
}

TEST(BgNbdTest, FitDoesNotDependOnTheTimeUnit) {
  std::vector<CustomerSummary> weeks = Simulated(20000, 9);
  std::vector<CustomerSummary> days = weeks;
  for (CustomerSummary& c : days) {
    c.recency *= 7;
    c.age *= 7;
  }
  auto in_weeks = BgNbdData::Create(weeks);
  auto in_days = BgNbdData::Create(days);
  ASSERT_TRUE(in_weeks.ok() && in_days.ok());
  auto w = FitBgNbd(*in_weeks);
  auto d = FitBgNbd(*in_days);
  ASSERT_TRUE(w.ok() && d.ok());
  EXPECT_NEAR(d->params.r, w->params.r, 1e-4 * w->params.r);
  EXPECT_NEAR(d->params.alpha, 7 * w->params.alpha, 1e-4 * 7 * w->params.alpha);
  EXPECT_NEAR(d->params.a, w->params.a, 1e-4 * w->params.a);
  EXPECT_NEAR(d->params.b, w->params.b, 1e-4 * w->params.b);
}

// Reference values: an independent evaluation of P(alive) and E[Y(t)|x,t_x,T] (FHL 2005,
// eq. 10) with mpmath at 40 digits, at the paper's parameters. The paper's own example: x = 2,
// t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks.
struct PredictionCase {
  CustomerSummary customer;
  double alive;
  double next_1;    // E[Y(1)]
  double next_39;   // E[Y(39)]
  double next_520;  // E[Y(520)]
};
const PredictionCase kPredictions[] = {
    {{2, 30.43, 38.86, 0},
     0.72657857008067291,
     0.037447969741732263,
     1.2260281747671444,
     7.3193138117111047},
    {{0, 0, 38.86, 0}, 1.0, 0.0055956578894840522, 0.19509805201126264, 1.4645477714482395},
    {{1, 1.71, 38.86, 0},
     0.21210098537737908,
     0.0060629517982828935,
     0.20318698707975406,
     1.3074184508243555},
    {{7, 29.43, 35.14, 0},
     0.7745237708357157,
     0.14069553291059816,
     4.331918639647568,
     22.401631913820815},
    {{25, 30, 31, 0},
     0.94176262383607554,
     0.66440423280767987,
     19.411404146851681,
     91.881181219658351},
    {{300, 38, 38.5, 0},
     0.91846891896814815,
     6.3677830208553789,
     191.01793593933538,
     940.76906744432156},
};

TEST(BgNbdTest, PredictionsMatchIndependentEvaluation) {
  for (const PredictionCase& c : kPredictions) {
    SCOPED_TRACE("x=" + std::to_string(c.customer.frequency));
    auto alive = ProbabilityAlive(kPaperBgNbd, c.customer);
    ASSERT_TRUE(alive.ok());
    EXPECT_NEAR(*alive, c.alive, 1e-12);
    for (const auto& [t, expected] :
         {std::pair{1.0, c.next_1}, std::pair{39.0, c.next_39}, std::pair{520.0, c.next_520}}) {
      auto e = ExpectedPurchases(kPaperBgNbd, c.customer, t);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      EXPECT_NEAR(*e, expected, 1e-10 * expected) << "t=" << t;
    }
  }
  EXPECT_NEAR(*ExpectedPurchases(kPaperBgNbd, kPredictions[0].customer, 39), 1.226, 5e-4);
}

TEST(BgNbdTest, PopulationCurve) {
  const std::pair<double, double> expected[] = {{1, 0.05326789117165828},
                                                {39, 1.1967231933208168},
                                                {78, 1.8605190579427685},
                                                {520, 4.9746178618496597}};
  for (const auto& [t, value] : expected) {
    auto e = PopulationExpectedPurchases(kPaperBgNbd, t);
    ASSERT_TRUE(e.ok());
    EXPECT_NEAR(*e, value, 1e-10 * value) << "t=" << t;
  }
  EXPECT_EQ(*PopulationExpectedPurchases(kPaperBgNbd, 0), 0.0);
}

TEST(BgNbdTest, ExpectedPurchasesIsContinuousAtAEqualsOne) {
  // a = 1 makes the textbook formula 0/0; the series form has no singularity there.
  const CustomerSummary c{3, 20, 30, 0};
  auto at = ExpectedPurchases({0.5, 5, 1.0, 2.0}, c, 26);
  auto below = ExpectedPurchases({0.5, 5, 1.0 - 1e-7, 2.0}, c, 26);
  auto above = ExpectedPurchases({0.5, 5, 1.0 + 1e-7, 2.0}, c, 26);
  ASSERT_TRUE(at.ok() && below.ok() && above.ok());
  EXPECT_GT(*at, 0);
  EXPECT_NEAR(*at, 0.5 * (*below + *above), 1e-9);
  // a + b = 1 with x = 0 (C = 0) is also removable.
  auto c0 = PopulationExpectedPurchases({0.5, 5, 0.4, 0.6}, 10);
  auto c0_near = PopulationExpectedPurchases({0.5, 5, 0.4, 0.6 + 1e-8}, 10);
  ASSERT_TRUE(c0.ok() && c0_near.ok());
  EXPECT_NEAR(*c0, *c0_near, 1e-7);
}

TEST(GammaGammaTest, ExpectedAverageValueAndLifetimeValue) {
  auto v = ExpectedAverageValue(kPaperGammaGamma, {2, 30.43, 38.86, 22.35});
  ASSERT_TRUE(v.ok());
  EXPECT_NEAR(*v, 24.663713910761155, 1e-12);
  EXPECT_NEAR(*ExpectedAverageValue(kPaperGammaGamma, {1, 1.71, 38.86, 11.77}), 18.916852057842047,
              1e-12);
  EXPECT_NEAR(*ExpectedAverageValue(kPaperGammaGamma, {0, 0, 38.86, 0}), 35.218978102189781, 1e-12);

  // 12 months of 4.345 weeks, 1 % a month (lifetimes' defaults), mpmath reference.
  LifetimeValueOptions options;
  options.time_units_per_month = 4.345;
  auto clv =
      CustomerLifetimeValue(kPaperBgNbd, kPaperGammaGamma, {2, 30.43, 38.86, 22.35}, options);
  ASSERT_TRUE(clv.ok()) << clv.status().ToString();
  EXPECT_NEAR(*clv, 36.289211125599216, 1e-9);
  auto clv0 = CustomerLifetimeValue(kPaperBgNbd, kPaperGammaGamma, {0, 0, 38.86, 0}, options);
  ASSERT_TRUE(clv0.ok());
  EXPECT_NEAR(*clv0, 8.3690043589204615, 1e-9);
  options.months = 0;
  EXPECT_EQ(*CustomerLifetimeValue(kPaperBgNbd, kPaperGammaGamma, {0, 0, 38.86, 0}, options), 0);
  options.monthly_discount_rate = -1;
  EXPECT_EQ(CustomerLifetimeValue(kPaperBgNbd, kPaperGammaGamma, {0, 0, 38.86, 0}, options)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  // q <= 1: the population mean does not exist.
  EXPECT_EQ(ExpectedAverageValue({6.25, 0.9, 15.44}, {0, 0, 38.86, 0}).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(SummaryTest, FollowsTheLifetimesConventions) {
  const int64_t day = kMicrosPerDay;
  const int64_t t0 = DayMicros(2024, 1, 1);
  const std::vector<Transaction> transactions = {
      {"b", t0 + 3 * day + 5, 10.0},  // b: first purchase
      {"a", t0, 5.0},                 // a: first purchase, day 0
      {"a", t0 + 3600'000'000, 7.0},  // same day: merged, not a repeat
      {"a", t0 + 2 * day, 20.0},      // repeat 1 (day 2): 20 + 4
      {"a", t0 + 2 * day + 1, 4.0},
      {"a", t0 + 9 * day + day - 1, 30.0},  // repeat 2 (day 9, last microsecond)
      {"a", t0 + 10 * day, 1000.0},         // after the calibration end: ignored
      {"c", t0 + 11 * day, 1.0},            // only after the end: not a customer
  };
  SummaryOptions options;
  options.calibration_end_us = t0 + 9 * day + 123;  // any instant of day 9
  auto summaries = SummarizeTransactions(transactions, options);
  ASSERT_TRUE(summaries.ok()) << summaries.status().ToString();
  ASSERT_EQ(summaries->size(), 2u);
  const SummarizedCustomer& a = (*summaries)[0];
  EXPECT_EQ(a.customer_id, "a");
  EXPECT_EQ(a.summary.frequency, 2);
  EXPECT_EQ(a.summary.recency, 9.0);
  EXPECT_EQ(a.summary.age, 9.0);
  EXPECT_DOUBLE_EQ(a.summary.monetary_value, (24.0 + 30.0) / 2);
  const SummarizedCustomer& b = (*summaries)[1];
  EXPECT_EQ(b.customer_id, "b");
  EXPECT_EQ(b.summary.frequency, 0);
  EXPECT_EQ(b.summary.recency, 0.0);
  EXPECT_EQ(b.summary.age, 6.0);
  EXPECT_EQ(b.summary.monetary_value, 0.0);

  options.unit_us = kMicrosPerWeek;
  auto weeks = SummarizeTransactions(transactions, options);
  ASSERT_TRUE(weeks.ok());
  EXPECT_DOUBLE_EQ((*weeks)[0].summary.age, 9.0 / 7);

  options.period_us = 0;
  EXPECT_EQ(SummarizeTransactions(transactions, options).status().code(),
            StatusCode::kInvalidArgument);
  options.period_us = day;
  const std::vector<Transaction> bad = {{"a", t0, std::nan("")}};
  EXPECT_EQ(SummarizeTransactions(bad, options).status().code(), StatusCode::kInvalidArgument);
}

TEST(DegenerateInputTest, ClearErrorsInsteadOfNaN) {
  // No customers.
  auto empty = BgNbdData::Create({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(FitBgNbd(*empty).status().code(), StatusCode::kInvalidArgument);
  // No repeat buyers.
  const std::vector<CustomerSummary> one_timers(100, CustomerSummary{0, 0, 30, 0});
  auto no_repeat = BgNbdData::Create(one_timers);
  ASSERT_TRUE(no_repeat.ok());
  EXPECT_EQ(FitBgNbd(*no_repeat).status().code(), StatusCode::kFailedPrecondition);
  auto gg_none = GammaGammaData::Create(one_timers);
  ASSERT_TRUE(gg_none.ok());
  EXPECT_EQ(gg_none->repeat_buyers(), 0u);
  EXPECT_EQ(FitGammaGamma(*gg_none).status().code(), StatusCode::kFailedPrecondition);
  // Everything zero.
  const std::vector<CustomerSummary> zeros(10);
  auto all_zero = BgNbdData::Create(zeros);
  ASSERT_TRUE(all_zero.ok());
  EXPECT_EQ(FitBgNbd(*all_zero).status().code(), StatusCode::kFailedPrecondition);
  // Every repeat buyer spends the same: p and q run off to infinity.
  std::vector<CustomerSummary> same_spend;
  same_spend.reserve(200);
  for (int i = 0; i < 200; ++i) same_spend.push_back({1 + i % 5, 1, 2, 25.0});
  auto same = GammaGammaData::Create(same_spend);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(FitGammaGamma(*same).status().code(), StatusCode::kFailedPrecondition);
  // Malformed summaries.
  EXPECT_EQ(BgNbdData::Create(std::vector<CustomerSummary>{{1, 5, 4, 1}}).status().code(),
            StatusCode::kInvalidArgument);  // recency > age
  EXPECT_EQ(BgNbdData::Create(std::vector<CustomerSummary>{{-1, 0, 4, 1}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BgNbdData::Create(std::vector<CustomerSummary>{{0, 1, 4, 0}}).status().code(),
            StatusCode::kInvalidArgument);  // recency without repeat purchase
  EXPECT_EQ(BgNbdData::Create(std::vector<CustomerSummary>{{1, 1, INFINITY, 0}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(GammaGammaData::Create(std::vector<CustomerSummary>{{1, 1, 2, 0}}).status().code(),
            StatusCode::kInvalidArgument);  // repeat buyer without spend
  // Invalid parameters.
  auto data = BgNbdData::Create(std::vector<CustomerSummary>{{1, 1, 2, 0}});
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(BgNbdLogLikelihood(*data, {0, 1, 1, 1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(BgNbdLogLikelihood(*data, {1, NAN, 1, 1}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ProbabilityAlive({1, 1, -1, 1}, {1, 1, 2, 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ExpectedPurchases(kPaperBgNbd, {1, 1, 2, 0}, -1).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ExpectedPurchases(kPaperBgNbd, {1, 1, 2, 0}, NAN).status().code(),
            StatusCode::kInvalidArgument);
  // Extreme but valid inputs stay finite.
  auto alive = ProbabilityAlive(kPaperBgNbd, {100000, 0.001, 1e6, 0});
  ASSERT_TRUE(alive.ok());
  EXPECT_GE(*alive, 0.0);
  EXPECT_FALSE(std::isnan(*alive));
  auto far = ExpectedPurchases(kPaperBgNbd, {0, 0, 0, 0}, 1e5);
  ASSERT_TRUE(far.ok()) << far.status().ToString();
  EXPECT_TRUE(std::isfinite(*far));
}

TEST(ParallelTest, SumIsIdenticalForAnyThreadCount) {
  std::vector<double> values(100'003);
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(static_cast<double>(i)) * 1e3;
  auto sum = [&](int threads) {
    std::array<double, 2> out{};
    ParallelSum(
        values.size(), 1000, threads,
        [&](size_t begin, size_t end, std::span<double> s) {
          for (size_t i = begin; i < end; ++i) {
            s[0] += values[i];
            s[1] += 1;
          }
        },
        out);
    return out;
  };
  const auto one = sum(1);
  EXPECT_EQ(one[1], static_cast<double>(values.size()));
  for (int threads : {2, 3, 8}) EXPECT_EQ(sum(threads), one) << threads << " threads";
}

}  // namespace
}  // namespace mercato::analytics::clv

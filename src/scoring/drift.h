#pragma once
// Prediction drift between two model runs (docs/analytics.md "Drift"): the population stability
// index of a score's distribution in ten equal bins over [0, 1].
//
//   PSI = sum over bins of (a - e) * ln(a / e), with a and e the bin's share of the new and the
//   previous run, each at least 1e-4 so that an empty bin is finite.
// Common reading: below 0.1 stable, 0.1-0.25 a moderate shift, above 0.25 a large one (retrain,
// or look at the data feeding the model).
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace mercato::scoring {

inline constexpr int kDriftBins = 10;

// Counts of `scores` in [0, 0.1), ..., [0.9, 1]; values outside [0, 1] go to the end bins.
std::vector<uint64_t> ScoreHistogram(const std::vector<double>& scores);

// The PSI of `after` against `before`; nullopt when either has no scores or they differ in size.
std::optional<double> PopulationStability(const std::vector<uint64_t>& before,
                                          const std::vector<uint64_t>& after);

// A histogram as stored in a run's result, and back (nullopt for anything else).
boost::json::array HistogramJson(const std::vector<uint64_t>& counts);
std::optional<std::vector<uint64_t>> HistogramFromJson(const boost::json::value& value);

}  // namespace mercato::scoring

#include "scoring/drift.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace mercato::scoring {

std::vector<uint64_t> ScoreHistogram(const std::vector<double>& scores) {
  std::vector<uint64_t> counts(kDriftBins, 0);
  for (double score : scores) {
    if (std::isnan(score)) continue;
    const int bin = std::clamp(static_cast<int>(std::floor(score * kDriftBins)), 0, kDriftBins - 1);
    ++counts[static_cast<size_t>(bin)];
  }
  return counts;
}

std::optional<double> PopulationStability(const std::vector<uint64_t>& before,
                                          const std::vector<uint64_t>& after) {
  if (before.size() != after.size() || before.empty()) return std::nullopt;
  double before_total = 0;
  double after_total = 0;
  for (size_t i = 0; i < before.size(); ++i) {
    before_total += static_cast<double>(before[i]);
    after_total += static_cast<double>(after[i]);
  }
  if (before_total == 0 || after_total == 0) return std::nullopt;
  constexpr double kFloor = 1e-4;
  double psi = 0;
  for (size_t i = 0; i < before.size(); ++i) {
    const double e = std::max(kFloor, static_cast<double>(before[i]) / before_total);
    const double a = std::max(kFloor, static_cast<double>(after[i]) / after_total);
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

boost::json::array HistogramJson(const std::vector<uint64_t>& counts) {
  boost::json::array out;
  for (uint64_t count : counts) out.emplace_back(count);
  return out;
}

std::optional<std::vector<uint64_t>> HistogramFromJson(const boost::json::value& value) {
  const boost::json::array* array = value.if_array();
  if (array == nullptr || array->size() != static_cast<size_t>(kDriftBins)) return std::nullopt;
  std::vector<uint64_t> counts;
  for (const boost::json::value& count : *array) {
    if (count.is_uint64()) {
      counts.push_back(count.get_uint64());
    } else if (count.is_int64() && count.get_int64() >= 0) {
      counts.push_back(static_cast<uint64_t>(count.get_int64()));
    } else {
      return std::nullopt;
    }
  }
  return counts;
}

}  // namespace mercato::scoring

#include "analytics/customer/cohorts.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <map>

#include "event/json_writer.h"

namespace mercato::analytics::customer {
namespace {

namespace json = boost::json;

double Units(int64_t micros) { return static_cast<double>(micros) / 1e6; }

// Shortest round-tripping text of a double ("0.38", "1").
std::string Number(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, result.ptr);
}

// Micro-units as an exact decimal without trailing zeros ("570422.73", "-5", "0.000001").
std::string Decimal(int64_t micros) {
  const bool negative = micros < 0;
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
  std::string text = (negative ? "-" : "") + std::to_string(magnitude / 1'000'000);
  std::string fraction = std::to_string(magnitude % 1'000'000);
  fraction.insert(0, 6 - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

}  // namespace

Result<CohortTable> BuildCohorts(std::span<const CustomerHistory> histories,
                                 const CohortOptions& options) {
  struct Row {
    int64_t size = 0;
    std::map<int64_t, CohortCell> cells;  // by age
  };
  std::map<int64_t, Row> rows;  // by acquisition month
  int64_t last_month = std::numeric_limits<int64_t>::min();
  for (const CustomerHistory& history : histories) {
    int64_t previous_us = std::numeric_limits<int64_t>::min();
    for (const Transaction& t : history.transactions) {
      if (t.time_us < previous_us) {
        return Status::InvalidArgument("history of customer '" + history.customer_id +
                                       "' is not in time order");
      }
      previous_us = t.time_us;
    }
    int64_t cohort = 0;
    bool acquired = false;
    int64_t last_active_age = -1;
    for (const Transaction& t : history.transactions) {
      if (t.time_us >= options.end_us) break;
      const int64_t month = MonthIndex(t.time_us);
      last_month = std::max(last_month, month);
      if (!acquired) {
        if (t.amount_micros <= 0) continue;
        acquired = true;
        cohort = month;
        ++rows[cohort].size;
      }
      const int64_t age = month - cohort;
      if (age < 0) continue;
      CohortCell& cell = rows[cohort].cells[age];
      cell.revenue_micros += t.amount_micros;
      if (t.amount_micros > 0 && age != last_active_age) {
        ++cell.active_customers;
        last_active_age = age;
      }
    }
  }
  CohortTable table;
  for (auto& [month, row] : rows) {
    Cohort cohort;
    cohort.month_index = month;
    cohort.label = MonthLabel(month);
    cohort.size = row.size;
    cohort.by_age.resize(static_cast<size_t>(last_month - month + 1));
    for (const auto& [age, cell] : row.cells) cohort.by_age[static_cast<size_t>(age)] = cell;
    for (CohortCell& cell : cohort.by_age) {
      cell.retention = static_cast<double>(cell.active_customers) / static_cast<double>(row.size);
    }
    table.max_age = std::max(table.max_age, static_cast<int64_t>(cohort.by_age.size()) - 1);
    table.cohorts.push_back(std::move(cohort));
  }
  return table;
}

std::string CohortsToJson(const CohortTable& table) {
  json::array cohorts;
  for (const Cohort& cohort : table.cohorts) {
    json::array active;
    json::array retention;
    json::array revenue;
    for (const CohortCell& cell : cohort.by_age) {
      active.push_back(cell.active_customers);
      retention.push_back(cell.retention);
      revenue.push_back(Units(cell.revenue_micros));
    }
    cohorts.push_back(json::object{{"cohort", cohort.label},
                                   {"size", cohort.size},
                                   {"active", std::move(active)},
                                   {"retention", std::move(retention)},
                                   {"revenue", std::move(revenue)}});
  }
  return SerializeJson(json::object{{"max_age", table.max_age}, {"cohorts", std::move(cohorts)}});
}

std::string CohortsToCsv(const CohortTable& table) {
  std::string csv =
      "cohort,cohort_size,months_since_acquisition,active_customers,retention,revenue\n";
  for (const Cohort& cohort : table.cohorts) {
    for (size_t age = 0; age < cohort.by_age.size(); ++age) {
      const CohortCell& cell = cohort.by_age[age];
      csv += cohort.label + "," + std::to_string(cohort.size) + "," + std::to_string(age) + "," +
             std::to_string(cell.active_customers) + "," + Number(cell.retention) + "," +
             Decimal(cell.revenue_micros) + "\n";
    }
  }
  return csv;
}

}  // namespace mercato::analytics::customer

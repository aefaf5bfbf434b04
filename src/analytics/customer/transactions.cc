#include "analytics/customer/transactions.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace mercato::analytics::customer {

Result<std::vector<CustomerHistory>> BuildHistories(std::span<const Order> orders) {
  std::map<std::string, std::vector<Transaction>, std::less<>> by_customer;
  for (size_t i = 0; i < orders.size(); ++i) {
    const Order& order = orders[i];
    if (order.customer_id.empty()) {
      return Status::InvalidArgument("order " + std::to_string(i) + " has an empty customer id");
    }
    if (order.units && *order.units < 0) {
      return Status::InvalidArgument("order " + std::to_string(i) + " has a negative unit count");
    }
    by_customer[order.customer_id].push_back(Transaction{
        .time_us = order.time_us, .amount_micros = order.amount_micros, .units = order.units});
  }
  std::vector<CustomerHistory> histories;
  histories.reserve(by_customer.size());
  for (auto& [id, transactions] : by_customer) {
    std::stable_sort(
        transactions.begin(), transactions.end(),
        [](const Transaction& a, const Transaction& b) { return a.time_us < b.time_us; });
    histories.push_back(
        CustomerHistory{.customer_id = id, .transactions = std::move(transactions)});
  }
  return histories;
}

int64_t MonthIndex(int64_t time_us) {
  // Days to civil date (H. Hinnant's algorithm), flooring for times before the epoch.
  int64_t days = time_us / kMicrosPerDay;
  if (time_us % kMicrosPerDay < 0) --days;
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return year * 12 + (month - 1);
}

std::string MonthLabel(int64_t month_index) {
  int64_t year = month_index / 12;
  int64_t month = month_index % 12;
  if (month < 0) {
    month += 12;
    --year;
  }
  const long long month_number = month + 1;
  char text[32];
  std::snprintf(text, sizeof(text), "%04lld-%02lld", static_cast<long long>(year), month_number);
  return text;
}

}  // namespace mercato::analytics::customer

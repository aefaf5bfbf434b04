#pragma once
// The RFM matrix of the UCI Online Retail data set, built straight from its CSV, for the clustering
// test and benchmark (tests/analytics/clustering_test.cc, bench/cluster_bench.cc).
//
// One row per known customer (CustomerID present), columns:
// - recency_days: days (fractional) from the customer's last purchase to the reference time, the
//   midnight after the file's last invoice (2011-12-10 00:00:00);
// - frequency: the customer's purchases, i.e. invoices not starting with 'C' whose net amount is
//   positive;
// - monetary: net revenue, the sum of Quantity x UnitPrice over all the customer's rows,
//   cancellations included (so refunds count negative), summed exactly in micro-units.
// Customers without a purchase or with net revenue <= 0 are left out, so that log1p applies to
// every column. Rows are ordered by customer id.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/feature_matrix.h"
#include "core/time_format.h"

namespace mercato::testing {

struct RetailRfm {
  analytics::FeatureMatrix matrix;  // recency_days, frequency, monetary
  std::vector<int64_t> customers;   // the customer id of each row
};

namespace rfm_detail {

// Splits one RFC-4180 line (no embedded newlines in this file) into fields.
inline std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

// "-12.345" -> -12345000 micro-units; nullopt for anything else.
inline std::optional<int64_t> ParseMicros(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  int64_t whole = 0;
  int64_t fraction = 0;
  int fraction_digits = 0;
  bool dot = false;
  bool digits = false;
  for (char c : text) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (c >= '0' && c <= '9' && !dot) {
      whole = whole * 10 + (c - '0');
      digits = true;
    } else if (c >= '0' && c <= '9' && fraction_digits < 6) {
      fraction = fraction * 10 + (c - '0');
      ++fraction_digits;
      digits = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  for (; fraction_digits < 6; ++fraction_digits) fraction *= 10;
  const int64_t micros = whole * 1'000'000 + fraction;
  return negative ? -micros : micros;
}

struct Customer {
  std::map<std::string, __int128> invoices;  // invoice number -> net amount (micro-units x units)
  std::map<std::string, int64_t> invoice_time;
  __int128 net = 0;
};

}  // namespace rfm_detail

// Builds the matrix; nullopt with `error` set when the file cannot be read or a row is malformed.
inline std::optional<RetailRfm> BuildRetailRfm(const std::filesystem::path& csv,
                                               std::string& error) {
  using rfm_detail::Customer;
  std::ifstream in(csv);
  if (!in) {
    error = "cannot open " + csv.string();
    return std::nullopt;
  }
  std::string line;
  std::getline(in, line);  // header
  std::map<int64_t, Customer> customers;
  int64_t last_time = 0;
  size_t line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    const std::vector<std::string> fields = rfm_detail::SplitCsv(line);
    auto fail = [&](const std::string& what) {
      error = csv.string() + ":" + std::to_string(line_number) + ": " + what;
      return std::nullopt;
    };
    if (fields.size() != 8) return fail("expected 8 fields");
    auto time = ParseTimestamp(fields[4]);
    if (!time.ok()) return fail("bad InvoiceDate");
    last_time = std::max(last_time, *time);
    if (fields[6].empty()) continue;
    const auto customer = rfm_detail::ParseMicros(fields[6]);
    const auto quantity = rfm_detail::ParseMicros(fields[3]);
    const auto price = rfm_detail::ParseMicros(fields[5]);
    if (!customer || !quantity || !price) return fail("bad number");
    Customer& c = customers[*customer / 1'000'000];
    const __int128 amount = static_cast<__int128>(*quantity / 1'000'000) * *price;
    c.net += amount;
    c.invoices[fields[0]] += amount;
    c.invoice_time.emplace(fields[0], *time);
  }
  constexpr int64_t kMicrosPerDay = 86'400'000'000;
  const int64_t reference = (last_time / kMicrosPerDay + 1) * kMicrosPerDay;
  auto matrix = analytics::FeatureMatrix::Create({"recency_days", "frequency", "monetary"});
  RetailRfm rfm{std::move(matrix).value(), {}};
  for (const auto& [id, customer] : customers) {
    int64_t purchases = 0;
    int64_t last_purchase = 0;
    for (const auto& [invoice, amount] : customer.invoices) {
      if (invoice.front() == 'C' || amount <= 0) continue;
      ++purchases;
      last_purchase = std::max(last_purchase, customer.invoice_time.at(invoice));
    }
    if (purchases == 0 || customer.net <= 0) continue;
    const double row[] = {static_cast<double>(reference - last_purchase) / kMicrosPerDay,
                          static_cast<double>(purchases),
                          static_cast<double>(static_cast<int64_t>(customer.net)) / 1e6};
    if (!rfm.matrix.AddRow(row).ok()) {
      error = "customer " + std::to_string(id) + ": value not finite";
      return std::nullopt;
    }
    rfm.customers.push_back(id);
  }
  return rfm;
}

}  // namespace mercato::testing

// UCI Online Retail: one CSV row per invoice line; one "Order Completed" / "Order Refunded" event
// per invoice.
//
// The rows of an invoice are consecutive almost always, but not always (in the real file invoice
// 542806 is interrupted by two rows of C542805). So the file is read twice: the first pass records
// the last row of every invoice, the second buffers each invoice's rows until that row, which makes
// one invoice one event wherever its rows are, and lets a bad row anywhere veto the whole invoice.
// Memory: the index (one entry per invoice) plus the rows of invoices still open.

#include <algorithm>
#include <boost/json.hpp>
#include <unordered_map>

#include "core/time_format.h"
#include "importer/csv_reader.h"
#include "importer/field_parse.h"
#include "importer/formats.h"

namespace mercato::importer {
namespace {

namespace json = boost::json;

constexpr const char* kColumns[] = {"InvoiceNo",   "StockCode", "Description", "Quantity",
                                    "InvoiceDate", "UnitPrice", "CustomerID",  "Country"};
enum Column {
  kInvoiceNo,
  kStockCode,
  kDescription,
  kQuantity,
  kInvoiceDate,
  kUnitPrice,
  kCustomerId,
  kCountry,
  kColumnCount
};
constexpr int64_t kMaxQuantity = 1'000'000'000;

struct InvoiceRow {
  std::string stock_code;
  std::string description;
  int64_t quantity = 0;
  int64_t unit_price_micros = 0;
};

struct Invoice {
  std::string number;
  uint64_t first_line = 0;
  std::vector<uint64_t> lines;   // every row of the invoice, good or bad, in file order
  std::vector<InvoiceRow> rows;  // the good rows
  std::vector<std::pair<uint64_t, std::string>> errors;  // bad rows: line, reason
  bool has_good_row = false;
  int64_t time_us = 0;   // of the first good row
  std::string customer;  // integer text; empty for a guest
  uint64_t customer_line = 0;
  std::string country;
};

Status CheckHeader(CsvReader& csv, std::vector<std::string>& fields) {
  std::string error;
  const CsvReader::Outcome outcome = csv.Next(fields, error);
  if (outcome == CsvReader::Outcome::kError) return csv.lines().status();
  std::string expected;
  for (const char* column : kColumns) expected += std::string(expected.empty() ? "" : ",") + column;
  if (outcome == CsvReader::Outcome::kEnd) {
    return Status::InvalidArgument("not an Online Retail file: it is empty (expected the header " +
                                   expected + ")");
  }
  bool matches = outcome == CsvReader::Outcome::kRecord && fields.size() == kColumnCount;
  for (size_t column = 0; matches && column < kColumnCount; ++column) {
    matches = TrimSpaces(fields[column]) == kColumns[column];
  }
  if (!matches) {
    return Status::InvalidArgument("not an Online Retail file: line " + std::to_string(csv.line()) +
                                   " should be the header " + expected);
  }
  return Status::Ok();
}

// The invoice a row belongs to, also for a bad row when its first field could be read.
std::string_view InvoiceOf(const std::vector<std::string>& fields) {
  return fields.empty() ? std::string_view() : TrimSpaces(fields[kInvoiceNo]);
}

// Validates a complete record and adds it to `invoice`; returns the reason when it is bad.
std::string AddRow(const std::vector<std::string>& fields, uint64_t line, Invoice& invoice) {
  if (fields.size() != kColumnCount) {
    return "expected " + std::to_string(kColumnCount) + " columns, got " +
           std::to_string(fields.size());
  }
  InvoiceRow row;
  row.stock_code = std::string(TrimSpaces(fields[kStockCode]));
  if (row.stock_code.empty()) return "empty StockCode";
  row.description = fields[kDescription];
  auto quantity = ParseInt64(fields[kQuantity]);
  if (!quantity) return "Quantity '" + fields[kQuantity] + "' is not an integer";
  if (*quantity > kMaxQuantity || *quantity < -kMaxQuantity) {
    return "Quantity " + fields[kQuantity] + " is out of range";
  }
  row.quantity = *quantity;
  auto price = ParseDecimalMicros(fields[kUnitPrice]);
  if (!price) return "UnitPrice '" + fields[kUnitPrice] + "' is not a number";
  row.unit_price_micros = *price;
  auto time = ParseTimestamp(TrimSpaces(fields[kInvoiceDate]));
  if (!time.ok()) return "InvoiceDate: " + time.status().message();
  std::string customer;
  if (!TrimSpaces(fields[kCustomerId]).empty()) {
    // Written as a float ("17850.0"); only whole non-negative numbers are ids.
    auto id = ParseDecimalMicros(fields[kCustomerId]);
    if (!id || *id < 0 || *id % 1'000'000 != 0) {
      return "CustomerID '" + fields[kCustomerId] + "' is not a whole number";
    }
    customer = std::to_string(*id / 1'000'000);
  }
  if (invoice.has_good_row && customer != invoice.customer) {
    return "CustomerID '" + fields[kCustomerId] + "' differs from the invoice's at line " +
           std::to_string(invoice.customer_line);
  }
  if (!invoice.has_good_row) {
    invoice.has_good_row = true;
    invoice.time_us = *time;
    invoice.customer = std::move(customer);
    invoice.customer_line = line;
    invoice.country = std::string(TrimSpaces(fields[kCountry]));
  }
  invoice.rows.push_back(std::move(row));
  return {};
}

// Stores a complete invoice as one event, or reports all its rows when one of them is bad.
Status FinishInvoice(Invoice& invoice, ImportSink& sink) {
  auto reject_all = [&](uint64_t bad_line, const std::string* own_reason) {
    size_t next_error = 0;
    for (uint64_t line : invoice.lines) {
      if (next_error < invoice.errors.size() && invoice.errors[next_error].first == line) {
        sink.AddBadRow(line, std::move(invoice.errors[next_error++].second));
      } else {
        sink.AddBadRow(line, own_reason != nullptr
                                 ? *own_reason
                                 : "invoice " + invoice.number + " has a bad row at line " +
                                       std::to_string(bad_line));
      }
    }
  };
  if (!invoice.errors.empty()) {
    reject_all(invoice.errors.front().first, nullptr);
    return Status::Ok();
  }
  const bool refund = invoice.number.front() == 'C' || invoice.number.front() == 'c';
  __int128 total_micros = 0;  // sum of quantity x price in millionths of a pound (x 10^6)
  json::array products;
  products.reserve(invoice.rows.size());
  for (const InvoiceRow& row : invoice.rows) {
    // A refund lists what was refunded, so its quantities (negative in the file) become positive.
    const int64_t quantity = refund ? -row.quantity : row.quantity;
    total_micros += static_cast<__int128>(quantity) * row.unit_price_micros;
    products.push_back(json::object{{"product_id", row.stock_code},
                                    {"name", row.description},
                                    {"quantity", quantity},
                                    {"price", MicrosToDouble(row.unit_price_micros)}});
  }
  // One correctly rounded division (the double nearest the exact decimal) up to 2^53 micro-units,
  // i.e. 9e9 pounds; beyond that, whole and fractional parts are converted separately.
  constexpr __int128 kExact = __int128{1} << 53;
  const __int128 whole_pounds = total_micros / 1'000'000;  // integer division on purpose
  const double revenue = total_micros < kExact && total_micros > -kExact
                             ? MicrosToDouble(static_cast<int64_t>(total_micros))
                             : static_cast<double>(whole_pounds) +
                                   MicrosToDouble(static_cast<int64_t>(total_micros % 1'000'000));
  json::object object;
  object["type"] = "track";
  object["event"] = refund ? "Order Refunded" : "Order Completed";
  if (invoice.customer.empty()) {
    object["anonymousId"] = "guest-" + invoice.number;
  } else {
    object["userId"] = invoice.customer;
  }
  object["properties"] = json::object{{"order_id", invoice.number},
                                      {"revenue", revenue},
                                      {"currency", "GBP"},
                                      {"products", std::move(products)}};
  object["context"] = json::object{{"location", json::object{{"country", invoice.country}}}};
  object["timestamp"] = FormatTimestamp(invoice.time_us);
  auto event = sink.Normalize(std::move(object), "online-retail-" + invoice.number + "-" +
                                                     std::to_string(invoice.first_line));
  if (!event.ok()) {
    const std::string reason = "invoice " + invoice.number + ": " + event.status().message();
    reject_all(0, &reason);
    return Status::Ok();
  }
  return sink.Add(std::move(event).value());
}

}  // namespace

Status ImportOnlineRetail(LineReader& lines, ImportSink& sink) {
  std::vector<std::string> fields;
  std::string error;
  // Pass 1: the ordinal of the last row of every invoice.
  std::unordered_map<std::string, uint64_t> last_row;
  {
    CsvReader csv(lines, ',');
    RETURN_IF_ERROR(CheckHeader(csv, fields));
    uint64_t ordinal = 0;
    while (true) {
      const CsvReader::Outcome outcome = csv.Next(fields, error);
      if (outcome == CsvReader::Outcome::kEnd) break;
      if (outcome == CsvReader::Outcome::kError) return lines.status();
      ++ordinal;
      const std::string_view number = InvoiceOf(fields);
      if (!number.empty()) last_row[std::string(number)] = ordinal;
    }
  }
  RETURN_IF_ERROR(lines.Rewind());

  // Pass 2: buffer each invoice until its last row, then store or reject it whole.
  CsvReader csv(lines, ',');
  RETURN_IF_ERROR(CheckHeader(csv, fields));
  std::unordered_map<std::string, Invoice> open;
  uint64_t ordinal = 0;
  while (true) {
    const CsvReader::Outcome outcome = csv.Next(fields, error);
    if (outcome == CsvReader::Outcome::kEnd) break;
    if (outcome == CsvReader::Outcome::kError) return lines.status();
    ++ordinal;
    sink.CountRow();
    sink.Progress(lines.bytes_consumed());
    const uint64_t line = csv.line();
    const std::string number(InvoiceOf(fields));
    if (number.empty()) {
      sink.AddBadRow(line, outcome == CsvReader::Outcome::kBadRecord ? error : "empty InvoiceNo");
      continue;
    }
    auto [it, inserted] = open.try_emplace(number);
    Invoice& invoice = it->second;
    if (inserted) {
      invoice.number = number;
      invoice.first_line = line;
    }
    invoice.lines.push_back(line);
    std::string reason =
        outcome == CsvReader::Outcome::kBadRecord ? error : AddRow(fields, line, invoice);
    if (!reason.empty()) invoice.errors.emplace_back(line, std::move(reason));
    auto last = last_row.find(number);
    // An invoice the first pass did not see (the file changed in between) ends with the file.
    if (last != last_row.end() && last->second == ordinal) {
      RETURN_IF_ERROR(FinishInvoice(invoice, sink));
      open.erase(it);
    }
  }
  // Whatever is left (only if the file changed between the passes), in file order.
  std::vector<Invoice*> left;
  left.reserve(open.size());
  for (auto& [number, invoice] : open) left.push_back(&invoice);
  std::sort(left.begin(), left.end(),
            [](const Invoice* a, const Invoice* b) { return a->first_line < b->first_line; });
  for (Invoice* invoice : left) RETURN_IF_ERROR(FinishInvoice(*invoice, sink));
  return Status::Ok();
}

}  // namespace mercato::importer

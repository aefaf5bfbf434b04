#include "recommend/data/online_retail.h"

#include <algorithm>
#include <optional>

#include "core/time_format.h"
#include "recommend/data/delimited_reader.h"

namespace mercato::recommend::data {
namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;
enum Column { kInvoiceNo = 0, kStockCode = 1, kQuantity = 3, kInvoiceDate = 4, kColumns = 8 };

// Takes the non-negative integer before `separator` (or the whole rest when it is '\0') off the
// front of `text`.
std::optional<std::int64_t> TakeNumber(std::string_view& text, char separator) {
  std::size_t end = separator == '\0' ? text.size() : text.find(separator);
  if (end == std::string_view::npos) return std::nullopt;
  auto value = ParseInt64(text.substr(0, end));
  text.remove_prefix(std::min(end + 1, text.size()));
  if (!value || *value < 0) return std::nullopt;
  return value;
}

Result<std::int64_t> ParseInvoiceDate(const std::string& text) {
  if (text.find('/') != std::string::npos) return ParseUsDateTime(text);
  auto micros = ParseTimestamp(text);
  if (!micros.ok()) return Status::InvalidArgument("InvoiceDate: " + micros.status().message());
  return *micros / 1'000'000;
}

}  // namespace

Result<std::int64_t> ParseUsDateTime(std::string_view text) {
  std::string_view rest = text;
  auto month = TakeNumber(rest, '/');
  auto day = TakeNumber(rest, '/');
  auto year = TakeNumber(rest, ' ');
  auto hour = TakeNumber(rest, ':');
  auto minute = TakeNumber(rest, '\0');
  if (!month || !day || !year || !hour || !minute || *month < 1 || *month > 12 || *day < 1 ||
      *day > 31 || *hour > 23 || *minute > 59) {
    return Status::InvalidArgument("InvoiceDate '" + std::string(text) + "' is not M/D/YYYY H:MM");
  }
  const std::int64_t days =
      DaysFromCivil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  return days * kSecondsPerDay + *hour * 3600 + *minute * 60;
}

Result<ClickLog> ReadOnlineRetailPurchases(std::istream& in) {
  ClickLog log;
  const DelimitedFormat format{',', "InvoiceNo", kColumns};
  RETURN_IF_ERROR(ReadDelimited(in, format, [&](const std::vector<std::string>& fields) {
    auto quantity = ParseInt64(fields[kQuantity]);
    if (!quantity) return NotAnInteger("Quantity", fields[kQuantity]);
    if (fields[kInvoiceNo].starts_with('C') || *quantity <= 0) {
      ++log.skipped_rows;
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(std::int64_t time, ParseInvoiceDate(fields[kInvoiceDate]));
    log.clicks.push_back({fields[kInvoiceNo], fields[kStockCode], time, ClickKind::kPurchase});
    return Status::Ok();
  }));
  return log;
}

}  // namespace mercato::recommend::data

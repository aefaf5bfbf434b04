// RetailRocket: the original events.csv (timestamp,visitorid,event,itemid,transactionid; ms) or the
// TAB-separated, sessionised sample (timestamp user_id item_id session_id; seconds). The header
// tells which.

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/time_format.h"
#include "importer/csv_reader.h"
#include "importer/field_parse.h"
#include "importer/formats.h"

namespace mercato::importer {
namespace {

namespace json = boost::json;

enum class Variant { kEvents, kSessions };
constexpr const char* kEventsColumns[] = {"timestamp", "visitorid", "event", "itemid",
                                          "transactionid"};
constexpr const char* kSessionsColumns[] = {"timestamp", "user_id", "item_id", "session_id"};

template <size_t N>
bool HeaderIs(const std::vector<std::string>& fields, const char* const (&columns)[N]) {
  if (fields.size() != N) return false;
  for (size_t column = 0; column < N; ++column) {
    if (TrimSpaces(fields[column]) != columns[column]) return false;
  }
  return true;
}

Result<Variant> ReadHeader(LineReader& lines) {
  std::string_view line;
  const LineReader::Outcome outcome = lines.Next(line);
  if (outcome == LineReader::Outcome::kError) return lines.status();
  std::vector<std::string> fields;
  std::string error;
  if (outcome == LineReader::Outcome::kLine) {
    const char delimiter = line.find('\t') != std::string_view::npos ? '\t' : ',';
    if (SplitCsvLine(line, delimiter, fields, error)) {
      if (delimiter == ',' && HeaderIs(fields, kEventsColumns)) return Variant::kEvents;
      if (delimiter == '\t' && HeaderIs(fields, kSessionsColumns)) return Variant::kSessions;
    }
  }
  return Status::InvalidArgument(
      "not a RetailRocket file: line 1 should be the header "
      "'timestamp,visitorid,event,itemid,transactionid' (events.csv) or "
      "'timestamp<TAB>user_id<TAB>item_id<TAB>session_id' (sessionised sample)");
}

std::string Required(const std::vector<std::string>& fields, size_t column, const char* name,
                     std::string& reason) {
  std::string value(TrimSpaces(fields[column]));
  if (value.empty() && reason.empty()) reason = std::string("empty ") + name;
  return value;
}

// Builds the event of one row, or returns the reason the row is bad.
std::string BuildEvent(Variant variant, const std::vector<std::string>& fields, json::object& out,
                       std::string& content) {
  const size_t expected = variant == Variant::kEvents ? 5 : 4;
  if (fields.size() != expected) {
    return "expected " + std::to_string(expected) + " columns, got " +
           std::to_string(fields.size());
  }
  std::string reason;
  auto time = ParseInt64(fields[0]);
  if (!time || *time < 0) {
    return "timestamp '" + fields[0] + "' is not a number of " +
           (variant == Variant::kEvents ? "milliseconds" : "seconds");
  }
  const int64_t time_us = variant == Variant::kEvents ? *time * 1000 : *time * kMicrosPerSecond;
  const std::string user =
      Required(fields, 1, variant == Variant::kEvents ? "visitorid" : "user_id", reason);
  json::object properties;
  out["type"] = "track";
  out["userId"] = user;
  if (variant == Variant::kEvents) {
    const std::string item = Required(fields, 3, "itemid", reason);
    const std::string_view action = TrimSpaces(fields[2]);
    properties["product_id"] = item;
    if (action == "view") {
      out["event"] = "Product Viewed";
    } else if (action == "addtocart") {
      out["event"] = "Product Added";
    } else if (action == "transaction") {
      const std::string transaction = Required(fields, 4, "transactionid", reason);
      out["event"] = "Order Completed";
      properties = json::object{{"order_id", transaction},
                                {"products", json::array{json::object{{"product_id", item}}}}};
    } else if (reason.empty()) {
      reason = "unknown event '" + fields[2] + "' (expected view, addtocart or transaction)";
    }
  } else {
    out["event"] = "Product Viewed";
    properties["product_id"] = Required(fields, 2, "item_id", reason);
    out["context"] = json::object{{"sessionId", Required(fields, 3, "session_id", reason)}};
  }
  if (!reason.empty()) return reason;
  out["properties"] = std::move(properties);
  out["timestamp"] = FormatTimestamp(time_us);
  for (const std::string& field : fields) (content += field) += '\x1f';
  return {};
}

}  // namespace

Status ImportRetailRocket(LineReader& lines, ImportSink& sink) {
  ASSIGN_OR_RETURN(const Variant variant, ReadHeader(lines));
  CsvReader csv(lines, variant == Variant::kEvents ? ',' : '\t');
  std::vector<std::string> fields;
  std::string error, content;
  while (true) {
    const CsvReader::Outcome outcome = csv.Next(fields, error);
    if (outcome == CsvReader::Outcome::kEnd) return Status::Ok();
    if (outcome == CsvReader::Outcome::kError) return lines.status();
    sink.CountRow();
    sink.Progress(lines.bytes_consumed());
    if (outcome == CsvReader::Outcome::kBadRecord) {
      sink.AddBadRow(csv.line(), error);
      continue;
    }
    json::object object;
    content.clear();
    std::string reason = BuildEvent(variant, fields, object, content);
    if (!reason.empty()) {
      sink.AddBadRow(csv.line(), std::move(reason));
      continue;
    }
    auto event =
        sink.Normalize(std::move(object), ImportMessageId("retailrocket", csv.line(), content));
    if (!event.ok()) {
      sink.AddBadRow(csv.line(), event.status().message());
      continue;
    }
    RETURN_IF_ERROR(sink.Add(std::move(event).value()));
  }
}

}  // namespace mercato::importer

// CDNOW (Fader & Hardie): "customer_id YYYYMMDD number_of_cds dollar_value", whitespace-separated.
// The copy distributed with `lifetimes` starts with a header line; one without is accepted too.

#include <algorithm>
#include <boost/json.hpp>

#include "core/time_format.h"
#include "importer/field_parse.h"
#include "importer/formats.h"

namespace mercato::importer {
namespace {

namespace json = boost::json;

void SplitWhitespace(std::string_view line, std::vector<std::string_view>& tokens) {
  tokens.clear();
  size_t pos = 0;
  while (true) {
    pos = line.find_first_not_of(" \t\r", pos);
    if (pos == std::string_view::npos) return;
    const size_t end = std::min(line.find_first_of(" \t\r", pos), line.size());
    tokens.push_back(line.substr(pos, end - pos));
    pos = end;
  }
}

bool AllDigits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// Builds the event of one row, or returns the reason the row is bad.
std::string BuildEvent(const std::vector<std::string_view>& tokens, json::object& out) {
  if (tokens.size() != 4) {
    return "expected 4 columns (customer_id date number_of_cds dollar_value), got " +
           std::to_string(tokens.size());
  }
  if (!AllDigits(tokens[0])) return "customer_id '" + std::string(tokens[0]) + "' is not a number";
  std::string_view customer =
      tokens[0].substr(std::min(tokens[0].find_first_not_of('0'), tokens[0].size() - 1));
  const std::string_view date = tokens[1];
  if (date.size() != 8 || !AllDigits(date)) {
    return "date '" + std::string(date) + "' is not YYYYMMDD";
  }
  auto time = ParseTimestamp(std::string(date.substr(0, 4)) + "-" + std::string(date.substr(4, 2)) +
                             "-" + std::string(date.substr(6, 2)));
  if (!time.ok()) return "date '" + std::string(date) + "': " + time.status().message();
  auto cds = ParseInt64(tokens[2]);
  if (!cds || *cds < 0) return "number_of_cds '" + std::string(tokens[2]) + "' is not a count";
  auto dollars = ParseDecimalMicros(tokens[3]);
  if (!dollars) return "dollar_value '" + std::string(tokens[3]) + "' is not a number";
  out["type"] = "track";
  out["event"] = "Order Completed";
  out["userId"] = customer;
  out["properties"] =
      json::object{{"revenue", MicrosToDouble(*dollars)}, {"quantity", *cds}, {"currency", "USD"}};
  out["timestamp"] = FormatTimestamp(*time);
  return {};
}

}  // namespace

Status ImportCdnow(LineReader& lines, ImportSink& sink) {
  std::string_view line;
  std::vector<std::string_view> tokens;
  while (true) {
    const LineReader::Outcome outcome = lines.Next(line);
    if (outcome == LineReader::Outcome::kEnd) return Status::Ok();
    if (outcome == LineReader::Outcome::kError) return lines.status();
    sink.Progress(lines.bytes_consumed());
    const uint64_t line_number = lines.line_number();
    if (outcome == LineReader::Outcome::kTooLong) {
      sink.CountRow();
      sink.AddBadRow(line_number, "line is too long");
      continue;
    }
    SplitWhitespace(line, tokens);
    if (tokens.empty()) continue;
    if (line_number == 1 && tokens[0] == "customer_id") continue;  // the header
    sink.CountRow();
    json::object object;
    std::string reason = BuildEvent(tokens, object);
    if (!reason.empty()) {
      sink.AddBadRow(line_number, std::move(reason));
      continue;
    }
    // A customer can buy twice on one day with identical rows, so the line number is part of the
    // id.
    auto event = sink.Normalize(std::move(object), ImportMessageId("cdnow", line_number, line));
    if (!event.ok()) {
      sink.AddBadRow(line_number, event.status().message());
      continue;
    }
    RETURN_IF_ERROR(sink.Add(std::move(event).value()));
  }
}

}  // namespace mercato::importer

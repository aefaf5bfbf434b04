// Segment JSONL: one message per line, as the HTTP API would receive it inside a batch.

#include <boost/json.hpp>
#include <cstdio>

#include "core/hash.h"
#include "importer/formats.h"

namespace mercato::importer {
namespace json = boost::json;

std::string ImportMessageId(std::string_view prefix, uint64_t line, std::string_view content) {
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(Hash64(content)));
  std::string id(prefix);
  id += '-';
  id += std::to_string(line);
  id += '-';
  id += hash;
  return id;
}

namespace {

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Validates one line and hands its event to the sink; a bad line becomes a BadRow.
Status ImportLine(std::string_view text, uint64_t line, ImportSink& sink) {
  const IngestLimits& limits = sink.limits();
  if (text.size() > limits.max_event_bytes) {
    sink.AddBadRow(line, "line is " + std::to_string(text.size()) +
                             " bytes; the limit for one event is " +
                             std::to_string(limits.max_event_bytes));
    return Status::Ok();
  }
  json::parse_options parse_options;
  parse_options.max_depth = limits.max_depth;
  parse_options.allow_invalid_utf8 = false;
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec,
                                  json::storage_ptr(), parse_options);
  if (ec) {
    sink.AddBadRow(line, ec == json::error::too_deep
                             ? "malformed JSON: nesting deeper than " +
                                   std::to_string(limits.max_depth) + " levels"
                             : "malformed JSON: " + ec.message());
    return Status::Ok();
  }
  if (!value.is_object()) {
    sink.AddBadRow(line, "line must be a JSON object");
    return Status::Ok();
  }
  // A message without its own messageId gets one derived from the line, so that a re-import is
  // recognised as a duplicate; the parser would otherwise draw a random one.
  const json::value* own_id = value.get_object().if_contains("messageId");
  const bool has_id = own_id != nullptr && !own_id->is_null() &&
                      !(own_id->is_string() && own_id->get_string().empty());
  const std::string message_id = has_id ? std::string() : ImportMessageId("jsonl", line, text);
  auto event = sink.Normalize(std::move(value.get_object()), message_id);
  if (!event.ok()) {
    sink.AddBadRow(line, event.status().message());
    return Status::Ok();
  }
  return sink.Add(std::move(event).value());
}

}  // namespace

Status ImportSegmentJsonl(LineReader& lines, ImportSink& sink) {
  std::string_view text;
  while (true) {
    const LineReader::Outcome outcome = lines.Next(text);
    if (outcome == LineReader::Outcome::kEnd) return Status::Ok();
    if (outcome == LineReader::Outcome::kError) return lines.status();
    sink.Progress(lines.bytes_consumed());
    if (outcome == LineReader::Outcome::kTooLong) {
      sink.CountRow();
      sink.AddBadRow(lines.line_number(), "line is too long");
      continue;
    }
    if (IsBlank(text)) continue;
    sink.CountRow();
    RETURN_IF_ERROR(ImportLine(text, lines.line_number(), sink));
  }
}

}  // namespace mercato::importer

#include "recommend/data/delimited_reader.h"

namespace mercato::recommend::data {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// Reads the quoted field starting at line[pos] == '"'; advances pos past the closing quote.
bool ReadQuoted(std::string_view line, std::size_t& pos, std::string& field) {
  for (++pos; pos < line.size(); ++pos) {
    if (line[pos] != '"') {
      field.push_back(line[pos]);
    } else if (pos + 1 < line.size() && line[pos + 1] == '"') {
      field.push_back('"');
      ++pos;
    } else {
      ++pos;
      return true;
    }
  }
  return false;
}

Status LineError(std::uint64_t line, std::string_view message) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + std::string(message));
}

}  // namespace

bool SplitFields(std::string_view line, char delimiter, std::vector<std::string>& fields) {
  fields.clear();
  std::size_t pos = 0;
  while (true) {
    std::string& field = fields.emplace_back();
    if (pos < line.size() && line[pos] == '"') {
      if (!ReadQuoted(line, pos, field)) return false;
      if (pos < line.size() && line[pos] != delimiter) return false;
    } else {
      std::size_t end = line.find(delimiter, pos);
      if (end == std::string_view::npos) end = line.size();
      field.assign(line.substr(pos, end - pos));
      pos = end;
    }
    if (pos >= line.size()) return true;
    ++pos;  // the delimiter; a trailing one yields a last empty field
  }
}

Status NotAnInteger(std::string_view what, std::string_view text) {
  return Status::InvalidArgument(std::string(what) + ": '" + std::string(text) +
                                 "' is not an integer");
}

Status ReadDelimited(std::istream& in, const DelimitedFormat& format, const RowHandler& row) {
  std::string line;
  std::vector<std::string> fields;
  std::uint64_t line_number = 0;
  bool first = true;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_number == 1 && line.starts_with(kByteOrderMark)) line.erase(0, kByteOrderMark.size());
    if (line.empty()) continue;
    if (!SplitFields(line, format.delimiter, fields)) return LineError(line_number, "bad quoting");
    const bool header =
        first && !format.header_first_field.empty() && fields.front() == format.header_first_field;
    first = false;
    if (header) continue;
    if (format.field_count != 0 && fields.size() != format.field_count) {
      return LineError(line_number, "expected " + std::to_string(format.field_count) +
                                        " fields, found " + std::to_string(fields.size()));
    }
    Status status = row(fields);
    if (!status.ok()) return LineError(line_number, status.message());
  }
  if (in.bad()) return Status::IoError("reading failed after line " + std::to_string(line_number));
  return Status::Ok();
}

}  // namespace mercato::recommend::data

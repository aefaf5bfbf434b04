#include "importer/csv_reader.h"

namespace mercato::importer {
namespace {

enum class Parse { kOk, kBad, kReadError };

// Parses one record starting with `line` into `fields`. When a quoted field is still open at the
// end of a line, `more(line, error)` supplies the next line (or says why there is none).
template <typename More>
Parse ParseRecord(std::string_view line, char delimiter, std::vector<std::string>& fields,
                  std::string& error, More&& more) {
  size_t count = 0;
  auto new_field = [&]() -> size_t {
    if (count == fields.size()) fields.emplace_back();
    fields[count].clear();
    return count++;
  };
  size_t field = new_field();
  size_t pos = 0;
  while (true) {
    if (pos < line.size() && line[pos] == '"') {
      ++pos;
      while (true) {
        const size_t quote = line.find('"', pos);
        if (quote == std::string_view::npos) {
          fields[field].append(line.substr(pos));
          fields[field].push_back('\n');
          Parse got = more(line, error);
          if (got != Parse::kOk) {
            fields.resize(count);
            return got;
          }
          pos = 0;
          continue;
        }
        fields[field].append(line.substr(pos, quote - pos));
        pos = quote + 1;
        if (pos < line.size() && line[pos] == '"') {  // "" inside quotes is one quote
          fields[field].push_back('"');
          ++pos;
          continue;
        }
        break;
      }
      if (pos == line.size()) break;
      if (line[pos] != delimiter) {
        error = "unexpected text after the closing quote of field " + std::to_string(field + 1);
        fields.resize(count);
        return Parse::kBad;
      }
      ++pos;
      field = new_field();
      continue;
    }
    const size_t next = line.find(delimiter, pos);
    if (next == std::string_view::npos) {
      fields[field].append(line.substr(pos));
      break;
    }
    fields[field].append(line.substr(pos, next - pos));
    pos = next + 1;
    field = new_field();
  }
  fields.resize(count);
  return Parse::kOk;
}

}  // namespace

CsvReader::Outcome CsvReader::Next(std::vector<std::string>& fields, std::string& error) {
  std::string_view line;
  while (true) {
    const LineReader::Outcome outcome = lines_.Next(line);
    if (outcome == LineReader::Outcome::kEnd) return Outcome::kEnd;
    if (outcome == LineReader::Outcome::kError) return Outcome::kError;
    record_line_ = lines_.line_number();
    if (outcome == LineReader::Outcome::kTooLong) {
      // Only the line's head is known; keep its first field when it is certainly complete.
      fields.clear();
      const size_t cut = line.find(delimiter_);
      if (cut != std::string_view::npos &&
          line.substr(0, cut).find('"') == std::string_view::npos) {
        fields.emplace_back(line.substr(0, cut));
      }
      error = "line is too long";
      return Outcome::kBadRecord;
    }
    if (!line.empty()) break;
  }
  size_t record_bytes = line.size();
  Parse parsed =
      ParseRecord(line, delimiter_, fields, error, [&](std::string_view& next, std::string& why) {
        const LineReader::Outcome outcome = lines_.Next(next);
        if (outcome == LineReader::Outcome::kError) return Parse::kReadError;
        if (outcome == LineReader::Outcome::kEnd) {
          why = "quoted field not closed before the end of the file";
          return Parse::kBad;
        }
        record_bytes += next.size() + 1;
        if (outcome == LineReader::Outcome::kTooLong || record_bytes > kMaxRecordBytes) {
          why = "quoted field not closed within " + std::to_string(kMaxRecordBytes) + " bytes";
          return Parse::kBad;
        }
        return Parse::kOk;
      });
  switch (parsed) {
    case Parse::kOk:
      return Outcome::kRecord;
    case Parse::kBad:
      return Outcome::kBadRecord;
    case Parse::kReadError:
      return Outcome::kError;
  }
  return Outcome::kError;
}

bool SplitCsvLine(std::string_view line, char delimiter, std::vector<std::string>& fields,
                  std::string& error) {
  return ParseRecord(line, delimiter, fields, error, [](std::string_view&, std::string& why) {
           why = "quoted field not closed at the end of the line";
           return Parse::kBad;
         }) == Parse::kOk;
}

}  // namespace mercato::importer

#pragma once
// CsvReader: splits a delimited text file into records following RFC 4180: fields separated by
// `delimiter`; a field may be enclosed in double quotes, inside which the delimiter and line breaks
// are literal and a doubled quote stands for one. Leniencies (as Python's csv module): a quote
// inside an unquoted field is a literal character; blank lines are skipped.
//
// Errors are per record: text after a closing quote, or a quoted field still open after
// kMaxRecordBytes or at the end of the file, makes that record bad; reading resumes after it.
// Thread safety: none; one reader per thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "importer/line_reader.h"

namespace mercato::importer {

class CsvReader {
 public:
  static constexpr size_t kMaxRecordBytes = 1 << 20;

  CsvReader(LineReader& lines, char delimiter) : lines_(lines), delimiter_(delimiter) {}

  enum class Outcome { kRecord, kBadRecord, kEnd, kError };
  // kRecord: `fields` holds the record's fields. kBadRecord: `error` says why; `fields` holds the
  // fields read before the problem (the last one possibly partial), e.g. to attribute the row.
  // kEnd: no more records. kError: reading the file failed (lines().status()).
  // In the first two cases line() is the line the record starts on.
  Outcome Next(std::vector<std::string>& fields, std::string& error);

  uint64_t line() const { return record_line_; }
  LineReader& lines() { return lines_; }

 private:
  LineReader& lines_;
  const char delimiter_;
  uint64_t record_line_ = 0;
};

// Splits one line on `delimiter` with the same quoting rules, for callers that know records do not
// span lines (headers). False with `error` set on bad quoting.
bool SplitCsvLine(std::string_view line, char delimiter, std::vector<std::string>& fields,
                  std::string& error);

}  // namespace mercato::importer

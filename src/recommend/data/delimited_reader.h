#pragma once
// The one text-reading loop shared by the data-set readers: line numbers, an optional header,
// field splitting and strict integers, so that every reader reports bad input the same way.
//
// Conventions (all readers in data/):
// - Lines end at '\n'; a '\r' before it and a UTF-8 byte-order mark at the start are dropped.
// - Blank lines are skipped (files often end with one).
// - The first non-blank line is a header when its first field equals the format's first column
//   name (exact, case-sensitive); it is skipped. Without it the line is read as data.
// - A malformed data line stops reading with InvalidArgument "line N: ..." (N counts from 1 and
//   includes the header), because the benchmark files are curated and a silently dropped row would
//   change the published counts. Rows that are well formed but outside the protocol (for example
//   Online Retail cancellations) are skipped and counted by the reader that knows them.
// Thread safety: pure functions.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/number_parse.h"  // ParseInt64 for row handlers
#include "core/status.h"

namespace mercato::recommend::data {

struct DelimitedFormat {
  char delimiter = ',';
  std::string_view header_first_field;  // empty: the format has no header
  std::size_t field_count = 0;          // 0: any number of fields
};

// Called with the fields of one data line; a non-ok Status stops reading and gets the line number
// prepended.
using RowHandler = std::function<Status(const std::vector<std::string>& fields)>;

// Reads every data line of `in` into `row`. InvalidArgument naming the line for a wrong field
// count, bad quoting or a handler error; IoError when the stream fails before its end.
Status ReadDelimited(std::istream& in, const DelimitedFormat& format, const RowHandler& row);

// Splits one line on `delimiter`. Fields may be enclosed in double quotes (RFC 4180 within one
// line: a doubled quote inside stands for one); a quote inside an unquoted field is literal.
// False on text after a closing quote or an unclosed quote.
bool SplitFields(std::string_view line, char delimiter, std::vector<std::string>& fields);

// InvalidArgument "<what>: '<text>' is not an integer" for handlers.
Status NotAnInteger(std::string_view what, std::string_view text);

}  // namespace mercato::recommend::data

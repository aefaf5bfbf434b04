#pragma once
// LineReader: reads a file line by line through a large buffer, counting 1-based line numbers and
// the bytes consumed (for progress). Lines end at '\n'; a '\r' before it is dropped, and a UTF-8
// byte-order mark at the start of the file is skipped.
//
// Limits: a line longer than max_line_bytes is not returned whole; Next() reports it as kTooLong
// (its start, for the error message) and resumes at the next line, so one absurd line cannot
// exhaust memory.
// Thread safety: none; one reader per thread.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato::importer {

class LineReader {
 public:
  enum class Outcome { kLine, kTooLong, kEnd, kError };

  // Opens `path` for reading. NotFound when it does not exist, IoError when it cannot be opened
  // or is a directory.
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path,
                                                  size_t max_line_bytes = 16 << 20);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // kLine: `line` holds the next line without its terminator, valid until the next call.
  // kTooLong: the line exceeded max_line_bytes; `line` holds its first bytes; it was skipped.
  // kEnd: no more lines. kError: a read failed; status() says why.
  Outcome Next(std::string_view& line);

  // Back to the first line (two-pass formats). IoError when the file cannot be rewound.
  Status Rewind();

  uint64_t line_number() const { return line_number_; }  // of the line last returned
  uint64_t bytes_consumed() const { return bytes_consumed_; }
  uint64_t file_size() const { return file_size_; }
  const Status& status() const { return status_; }

 private:
  LineReader(std::FILE* file, std::string path, uint64_t file_size, size_t max_line_bytes);
  // Reads more bytes after the unconsumed ones; false at end of file or on error.
  bool Fill();

  // const after construction
  std::FILE* const file_;
  const std::string path_;
  const uint64_t file_size_;
  const size_t max_line_bytes_;

  std::string buffer_;
  size_t begin_ = 0;  // first unconsumed byte in buffer_
  size_t end_ = 0;    // one past the last valid byte in buffer_
  bool eof_ = false;
  uint64_t line_number_ = 0;
  uint64_t bytes_consumed_ = 0;
  std::string too_long_head_;
  Status status_;
};

}  // namespace mercato::importer

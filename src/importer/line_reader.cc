#include "importer/line_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mercato::importer {
namespace {

constexpr size_t kChunkBytes = 1 << 20;
constexpr size_t kTooLongHeadBytes = 120;
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

}  // namespace

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path,
                                                     size_t max_line_bytes) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int error = errno;
    std::string message = "cannot open " + path + ": " + std::strerror(error);
    return error == ENOENT ? Status::NotFound(std::move(message))
                           : Status::IoError(std::move(message));
  }
  struct stat info {};
  if (fstat(fileno(file), &info) != 0 || S_ISDIR(info.st_mode)) {
    std::fclose(file);
    return Status::IoError("cannot read " + path + ": not a regular file");
  }
  return std::unique_ptr<LineReader>(
      new LineReader(file, path, static_cast<uint64_t>(info.st_size), max_line_bytes));
}

LineReader::LineReader(std::FILE* file, std::string path, uint64_t file_size, size_t max_line_bytes)
    : file_(file), path_(std::move(path)), file_size_(file_size), max_line_bytes_(max_line_bytes) {
  buffer_.resize(kChunkBytes);
}

LineReader::~LineReader() { std::fclose(file_); }

bool LineReader::Fill() {
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < kChunkBytes / 2) buffer_.resize(buffer_.size() * 2);
  const size_t read = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
  end_ += read;
  if (read == 0) {
    if (std::ferror(file_)) {
      status_ = Status::IoError("cannot read " + path_ + ": " + std::strerror(errno));
    } else {
      eof_ = true;
    }
  }
  return read > 0;
}

LineReader::Outcome LineReader::Next(std::string_view& line) {
  if (!status_.ok()) return Outcome::kError;
  size_t scanned = 0;  // bytes after begin_ known to hold no '\n'
  while (true) {
    const char* start = buffer_.data() + begin_;
    const void* newline = std::memchr(start + scanned, '\n', end_ - begin_ - scanned);
    if (newline != nullptr || (eof_ && end_ > begin_)) {
      const size_t length = newline != nullptr
                                ? static_cast<size_t>(static_cast<const char*>(newline) - start)
                                : end_ - begin_;
      line = std::string_view(start, length);
      begin_ += length + (newline != nullptr ? 1 : 0);
      bytes_consumed_ += length + (newline != nullptr ? 1 : 0);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (++line_number_ == 1 && line.starts_with(kUtf8Bom)) line.remove_prefix(kUtf8Bom.size());
      return Outcome::kLine;
    }
    if (eof_) return Outcome::kEnd;
    scanned = end_ - begin_;
    if (scanned > max_line_bytes_) break;
    if (!Fill() && !status_.ok()) return Outcome::kError;
  }
  // The line is too long: keep its head for the message and skip to the next line.
  too_long_head_.assign(buffer_.data() + begin_, std::min(kTooLongHeadBytes, end_ - begin_));
  ++line_number_;
  while (true) {
    const void* newline = std::memchr(buffer_.data() + begin_, '\n', end_ - begin_);
    if (newline != nullptr) {
      const size_t length =
          static_cast<size_t>(static_cast<const char*>(newline) - (buffer_.data() + begin_)) + 1;
      begin_ += length;
      bytes_consumed_ += length;
      break;
    }
    bytes_consumed_ += end_ - begin_;
    begin_ = end_ = 0;
    if (!Fill()) {
      if (!status_.ok()) return Outcome::kError;
      break;  // end of file ends the long line
    }
  }
  line = too_long_head_;
  return Outcome::kTooLong;
}

Status LineReader::Rewind() {
  if (std::fseek(file_, 0, SEEK_SET) != 0) {
    return Status::IoError("cannot rewind " + path_ + ": " + std::strerror(errno));
  }
  std::clearerr(file_);
  begin_ = end_ = 0;
  eof_ = false;
  line_number_ = 0;
  bytes_consumed_ = 0;
  status_ = Status::Ok();
  return Status::Ok();
}

}  // namespace mercato::importer

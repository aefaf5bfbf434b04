#include "server/gzip.h"

#include <zlib.h>

namespace mercato {

Result<std::string> Gunzip(std::string_view compressed, size_t max_output) {
  z_stream stream{};
  // 15 window bits + 32: detect gzip or zlib headers automatically.
  if (inflateInit2(&stream, 15 + 32) != Z_OK) return Status::Internal("inflateInit2 failed");
  std::string out;
  out.resize(std::min(max_output + 1, std::max<size_t>(compressed.size() * 4, 4096)));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (true) {
    if (stream.total_out >= out.size()) {
      if (out.size() > max_output) break;
      out.resize(std::min(out.size() * 2, max_output + 1));
    }
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + stream.total_out);
    stream.avail_out = static_cast<uInt>(out.size() - stream.total_out);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // truncated input
  }
  size_t produced = stream.total_out;
  const bool trailing_input = rc == Z_STREAM_END && stream.avail_in > 0;
  inflateEnd(&stream);
  if (produced > max_output) {
    return Status::PayloadTooLarge("decompressed body exceeds " + std::to_string(max_output) +
                                   " bytes");
  }
  if (rc != Z_STREAM_END) return Status::InvalidArgument("body is not valid gzip");
  // Concatenated gzip members or garbage after the stream: refuse rather than drop it silently.
  if (trailing_input)
    return Status::InvalidArgument("body has data after the end of the gzip stream");
  out.resize(produced);
  return out;
}

Result<std::string> Gzip(std::string_view data) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Status::Internal("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&stream, static_cast<uLong>(data.size())) + 32);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  size_t produced = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return Status::Internal("deflate failed");
  out.resize(produced);
  return out;
}

}  // namespace mercato

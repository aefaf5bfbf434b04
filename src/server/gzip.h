#pragma once
// Bounded gzip/deflate decoding for request bodies (Content-Encoding: gzip, deflate).

#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato {

// Inflates `compressed` (gzip or zlib wrapper, detected automatically). PayloadTooLarge as soon as
// the output would exceed `max_output` bytes (zip bombs stop early); InvalidArgument for corrupt or
// truncated input.
Result<std::string> Gunzip(std::string_view compressed, size_t max_output);

// Compresses with a gzip wrapper (tests and the load generator use it).
Result<std::string> Gzip(std::string_view data);

}  // namespace mercato

// Fuzzes the bounded request-body inflater (src/server/gzip.h): the output never exceeds the
// bound, a bound of exactly the output's size suffices and one byte less is PayloadTooLarge, and
// Gzip's output inflates back to its input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "server/gzip.h"

namespace {

constexpr size_t kMaxOutput = 1 << 20;

bool Is(const mercato::Status& status, mercato::StatusCode code) { return status.code() == code; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mercato::StatusCode;
  const std::string_view input = mercato::fuzz::AsText(data, size);
  mercato::fuzz::current_input = input;

  // The input as a compressed body.
  const auto inflated = mercato::Gunzip(input, kMaxOutput);
  if (inflated.ok()) {
    FUZZ_CHECK(inflated->size() <= kMaxOutput);
    const auto exact = mercato::Gunzip(input, inflated->size());
    FUZZ_CHECK(exact.ok() && *exact == *inflated);
    if (!inflated->empty()) {
      const auto short_bound = mercato::Gunzip(input, inflated->size() - 1);
      FUZZ_CHECK(!short_bound.ok() && Is(short_bound.status(), StatusCode::kPayloadTooLarge));
    }
  } else {
    FUZZ_CHECK(Is(inflated.status(), StatusCode::kInvalidArgument) ||
               Is(inflated.status(), StatusCode::kPayloadTooLarge));
  }
  const auto zero_bound = mercato::Gunzip(input, 0);
  FUZZ_CHECK(zero_bound.ok() == (inflated.ok() && inflated->empty()));
  if (zero_bound.ok()) FUZZ_CHECK(zero_bound->empty());

  // The input as a plain body.
  const auto packed = mercato::Gzip(input);
  FUZZ_CHECK(packed.ok());
  const auto unpacked = mercato::Gunzip(*packed, input.size());
  FUZZ_CHECK(unpacked.ok() && *unpacked == input);
  return 0;
}

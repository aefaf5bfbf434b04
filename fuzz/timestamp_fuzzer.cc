// Fuzzes ISO-8601 parsing and formatting (src/core/time_format.h). What ParseTimestamp accepts,
// FormatTimestamp writes in a form ParseTimestamp reads back as the same instant at millisecond
// precision (the precision FormatTimestamp keeps); the input's first 8 bytes also go to
// FormatTimestamp as a raw instant, since it accepts any int64.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/time_format.h"
#include "fuzz_check.h"

namespace mercato {
namespace {

// The instants a four-digit year expresses: 0000-01-01T00:00:00Z up to the end of 9999.
const int64_t kMinFourDigitYear = DaysFromCivil(0, 1, 1) * kMicrosPerDay;
const int64_t kMaxFourDigitYear = DaysFromCivil(10000, 1, 1) * kMicrosPerDay - 1;

int64_t FloorToMillis(int64_t micros) {
  int64_t rest = micros % 1000;
  if (rest < 0) rest += 1000;
  return micros - rest;
}

void CheckFormat(int64_t micros) {
  const std::string text = FormatTimestamp(micros);
  const auto parsed = ParseTimestamp(text);
  if (micros < kMinFourDigitYear || micros > kMaxFourDigitYear) {
    // A sign or a fifth digit in the year, which the parser refuses (the event parser keeps such
    // times out of the log).
    FUZZ_CHECK(!parsed.ok());
    return;
  }
  FUZZ_CHECK(text.size() == 24);
  FUZZ_CHECK(parsed.ok());
  FUZZ_CHECK(*parsed == FloorToMillis(micros));
  FUZZ_CHECK(FormatTimestamp(*parsed) == text);
}

}  // namespace
}  // namespace mercato

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = mercato::fuzz::AsText(data, size);
  mercato::fuzz::current_input = text;
  const auto parsed = mercato::ParseTimestamp(text);
  if (parsed.ok()) {
    // A four-digit year moved by a zone offset of less than a day.
    FUZZ_CHECK(*parsed >= mercato::kMinFourDigitYear - mercato::kMicrosPerDay);
    FUZZ_CHECK(*parsed <= mercato::kMaxFourDigitYear + mercato::kMicrosPerDay);
    mercato::CheckFormat(*parsed);
  } else {
    FUZZ_CHECK(parsed.status().code() == mercato::StatusCode::kInvalidArgument);
  }
  if (size >= sizeof(int64_t)) {
    int64_t micros = 0;
    std::memcpy(&micros, data, sizeof(micros));
    mercato::CheckFormat(micros);
  }
  return 0;
}

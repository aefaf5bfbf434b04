#include "importer/field_parse.h"

#include <charconv>

namespace mercato::importer {

std::optional<int64_t> ParseDecimalMicros(std::string_view text) {
  constexpr int kMaxIntegerDigits = 12;
  text = TrimSpaces(text);
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  int64_t whole = 0;
  int integer_digits = 0;
  size_t pos = 0;
  for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
    whole = whole * 10 + (text[pos] - '0');
    if (whole != 0 && ++integer_digits > kMaxIntegerDigits) return std::nullopt;
  }
  const bool had_integer = pos > 0;
  int64_t fraction = 0;
  int fraction_digits = 0;
  bool round_up = false;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t fraction_start = pos;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
      if (fraction_digits < 6) {
        fraction = fraction * 10 + (text[pos] - '0');
        ++fraction_digits;
      } else if (pos == fraction_start + 6) {
        round_up = text[pos] >= '5';
      }
    }
    if (pos == fraction_start && !had_integer) return std::nullopt;
  } else if (!had_integer) {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  for (; fraction_digits < 6; ++fraction_digits) fraction *= 10;
  const int64_t micros = whole * 1'000'000 + fraction + (round_up ? 1 : 0);
  return negative ? -micros : micros;
}

}  // namespace mercato::importer

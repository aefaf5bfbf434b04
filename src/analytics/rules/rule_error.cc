#include "analytics/rules/rule_error.h"

#include <cstdio>
#include <utility>

#include "analytics/rules/utf8.h"

namespace mercato::analytics::rules {

std::string RuleError::ToString() const {
  std::string out = "at " + std::to_string(line) + ":" + std::to_string(column) + " (offset " +
                    std::to_string(offset) + "): expected " + expected + ", found " + found;
  if (!hint.empty()) out += "; " + hint;
  return out;
}

RuleError MakeRuleError(std::string_view text, size_t offset, std::string expected,
                        std::string found, std::string hint) {
  RuleError error;
  error.offset = offset < text.size() ? offset : text.size();
  for (size_t k = 0; k < error.offset; ++k) {
    const auto c = static_cast<unsigned char>(text[k]);
    if (c == '\n') {
      ++error.line;
      error.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++error.column;
    }
  }
  error.expected = std::move(expected);
  error.found = std::move(found);
  error.hint = std::move(hint);
  return error;
}

std::string QuoteFound(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  std::string out = "'";
  size_t k = 0;
  while (k < text.size() && k < kMaxShown) {
    const auto c = static_cast<unsigned char>(text[k]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      out += buf;
    } else if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(text, k);
      if (n == 0) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\x%02X", c);
        out += buf;
      } else {
        out.append(text.substr(k, n));
        k += n;
        continue;
      }
    } else {
      out += static_cast<char>(c);
    }
    ++k;
  }
  if (k < text.size()) out += "...";
  out += "'";
  return out;
}

}  // namespace mercato::analytics::rules

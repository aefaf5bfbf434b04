#include "analytics/rules/lexer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "analytics/rules/utf8.h"

namespace mercato::analytics::rules {
namespace {

constexpr std::array<std::string_view, 22> kKeywords = {
    "and",    "or",  "not",  "in",    "contains", "starts", "startswith", "with",
    "exists", "is",  "null", "true",  "false",    "now",    "count",      "sum",
    "avg",    "min", "max",  "event", "where",    "within"};

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    char c = a[k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[k]) return false;
  }
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<DurationUnit> UnitFromSuffix(char c) {
  switch (c) {
    case 's':
    case 'S':
      return DurationUnit::kSeconds;
    case 'm':
    case 'M':
      return DurationUnit::kMinutes;
    case 'h':
    case 'H':
      return DurationUnit::kHours;
    case 'd':
    case 'D':
      return DurationUnit::kDays;
    case 'w':
    case 'W':
      return DurationUnit::kWeeks;
    default:
      return std::nullopt;
  }
}

}  // namespace

bool IsKeyword(std::string_view word) {
  for (std::string_view keyword : kKeywords) {
    if (EqualsIgnoreCase(word, keyword)) return true;
  }
  return false;
}

bool IsPlainName(std::string_view segment) {
  if (segment.empty() || !IsNameStart(segment[0])) return false;
  for (char c : segment) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

bool Token::Is(std::string_view keyword) const {
  return kind == TokenKind::kWord && !quoted && path.size() == 1 &&
         EqualsIgnoreCase(path[0], keyword);
}

bool Token::IsKeyword() const {
  return kind == TokenKind::kWord && !quoted && path.size() == 1 && rules::IsKeyword(path[0]);
}

bool Lexer::Fail(size_t offset, std::string expected, std::string found, RuleError& error) const {
  error = MakeRuleError(text_, offset, std::move(expected), std::move(found));
  return false;
}

bool Lexer::Next(Token& token, RuleError& error) {
  while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                 text_[pos_] == '\r')) {
    ++pos_;
  }
  token = Token();
  token.offset = pos_;
  if (pos_ >= text_.size()) {
    token.kind = TokenKind::kEnd;
    return true;
  }
  const char c = text_[pos_];
  const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  auto single = [&](TokenKind kind, size_t length) {
    token.kind = kind;
    token.length = length;
    pos_ += length;
    return true;
  };
  if (IsNameStart(c) || c == '`') return LexWord(token, error);
  if (IsDigit(c)) return LexNumber(token, error);
  switch (c) {
    case '"':
      return LexString(token, error);
    case '(':
      return single(TokenKind::kLParen, 1);
    case ')':
      return single(TokenKind::kRParen, 1);
    case ',':
      return single(TokenKind::kComma, 1);
    case '+':
      return single(TokenKind::kPlus, 1);
    case '-':
      return single(TokenKind::kMinus, 1);
    case '=':
      return single(TokenKind::kEq, next == '=' ? 2 : 1);
    case '!':
      if (next == '=') return single(TokenKind::kNe, 2);
      return Fail(pos_, "'!='", QuoteFound(text_.substr(pos_, 1)), error);
    case '<':
      if (next == '=') return single(TokenKind::kLe, 2);
      if (next == '>') return single(TokenKind::kNe, 2);
      return single(TokenKind::kLt, 1);
    case '>':
      if (next == '=') return single(TokenKind::kGe, 2);
      return single(TokenKind::kGt, 1);
    default:
      break;
  }
  const size_t n = Utf8SequenceLength(text_, pos_);
  return Fail(pos_, "a field, value or operator", QuoteFound(text_.substr(pos_, n == 0 ? 1 : n)),
              error);
}

bool Lexer::LexWord(Token& token, RuleError& error) {
  token.kind = TokenKind::kWord;
  while (true) {
    if (text_[pos_] == '`') {
      if (token.path.empty()) token.quoted = true;
      std::string segment;
      if (!LexQuotedName(segment, error)) return false;
      token.path.push_back(std::move(segment));
    } else {
      const size_t start = pos_;
      while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
      token.path.emplace_back(text_.substr(start, pos_ - start));
    }
    if (pos_ >= text_.size() || text_[pos_] != '.') break;
    ++pos_;  // '.'
    if (pos_ >= text_.size()) return Fail(pos_, "a name after '.'", "end of input", error);
    if (!IsNameStart(text_[pos_]) && text_[pos_] != '`') {
      const size_t n = Utf8SequenceLength(text_, pos_);
      return Fail(pos_, "a name after '.'", QuoteFound(text_.substr(pos_, n == 0 ? 1 : n)), error);
    }
  }
  token.length = pos_ - token.offset;
  return true;
}

bool Lexer::LexQuotedName(std::string& out, RuleError& error) {
  const size_t open = pos_;
  ++pos_;  // '`'
  while (true) {
    if (pos_ >= text_.size()) return Fail(pos_, "'`' closing the name", "end of input", error);
    const char c = text_[pos_];
    if (c == '`') break;
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Fail(pos_, "'`' closing the name", QuoteFound(text_.substr(pos_, 1)), error);
    }
    const size_t n = Utf8SequenceLength(text_, pos_);
    if (n == 0) return Fail(pos_, "UTF-8 text", QuoteFound(text_.substr(pos_, 1)), error);
    out.append(text_.substr(pos_, n));
    pos_ += n;
  }
  if (out.empty()) return Fail(open, "a name between backticks", "'``'", error);
  ++pos_;  // '`'
  return true;
}

bool Lexer::LexNumber(Token& token, RuleError& error) {
  const size_t start = pos_;
  bool whole = true;
  while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
  if (pos_ < text_.size() && text_[pos_] == '.') {
    whole = false;
    ++pos_;
    if (pos_ >= text_.size() || !IsDigit(text_[pos_])) {
      return Fail(pos_, "a digit after '.'",
                  pos_ >= text_.size() ? "end of input" : QuoteFound(text_.substr(pos_, 1)), error);
    }
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    const size_t exponent = pos_;
    size_t k = pos_ + 1;
    if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
    if (k < text_.size() && IsDigit(text_[k])) {
      whole = false;
      pos_ = k;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    } else {
      pos_ = exponent;  // not an exponent: reported below as a bad suffix
    }
  }
  const std::string_view digits = text_.substr(start, pos_ - start);
  if (pos_ < text_.size() && IsNameChar(text_[pos_])) {
    // A duration: whole number, one unit letter, then no more name characters.
    const auto unit = UnitFromSuffix(text_[pos_]);
    const bool ends = pos_ + 1 >= text_.size() || !IsNameChar(text_[pos_ + 1]);
    if (!whole || !unit || !ends) {
      size_t end = pos_;
      while (end < text_.size() && (IsNameChar(text_[end]) || text_[end] == '.')) ++end;
      return Fail(start, "a number or a duration (30s, 15m, 12h, 7d, 2w)",
                  QuoteFound(text_.substr(start, end - start)), error);
    }
    ++pos_;
    int64_t amount = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), amount);
    const std::string found = QuoteFound(text_.substr(start, pos_ - start));
    if (ec != std::errc() || ptr != digits.data() + digits.size() ||
        amount > kMaxDurationMicros / DurationUnitMicros(*unit)) {
      return Fail(start, "a duration of at most 36500 days", found, error);
    }
    if (amount == 0) return Fail(start, "a duration greater than zero", found, error);
    token.kind = TokenKind::kDuration;
    token.duration = Duration{amount, *unit};
    token.length = pos_ - start;
    return true;
  }
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || !std::isfinite(value)) {
    return Fail(start, "a finite number", QuoteFound(digits), error);
  }
  token.kind = TokenKind::kNumber;
  token.number = value;
  token.length = pos_ - start;
  return true;
}

bool Lexer::LexString(Token& token, RuleError& error) {
  const size_t open = pos_;
  ++pos_;  // '"'
  std::string out;
  while (true) {
    if (pos_ >= text_.size()) return Fail(pos_, "'\"' closing the string", "end of input", error);
    const char c = text_[pos_];
    const auto u = static_cast<unsigned char>(c);
    if (c == '"') break;
    if (c == '\n') return Fail(pos_, "'\"' closing the string", "end of line", error);
    if (u < 0x20 || u == 0x7f) {
      return Fail(pos_, "a printable character or an escape", QuoteFound(text_.substr(pos_, 1)),
                  error);
    }
    if (c != '\\') {
      const size_t n = Utf8SequenceLength(text_, pos_);
      if (n == 0) return Fail(pos_, "UTF-8 text", QuoteFound(text_.substr(pos_, 1)), error);
      out.append(text_.substr(pos_, n));
      pos_ += n;
      continue;
    }
    const size_t escape = pos_;
    const char e = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    pos_ += 2;
    switch (e) {
      case '"':
        out += '"';
        continue;
      case '\\':
        out += '\\';
        continue;
      case '/':
        out += '/';
        continue;
      case 'b':
        out += '\b';
        continue;
      case 'f':
        out += '\f';
        continue;
      case 'n':
        out += '\n';
        continue;
      case 'r':
        out += '\r';
        continue;
      case 't':
        out += '\t';
        continue;
      case 'u':
        break;
      default: {
        const size_t n = escape + 1 < text_.size() ? Utf8SequenceLength(text_, escape + 1) : 0;
        return Fail(escape, "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                    QuoteFound(text_.substr(escape, 1 + (n == 0 ? 1 : n))), error);
      }
    }
    // \uXXXX, with a surrogate pair written as two escapes.
    auto read_hex = [&](size_t at, uint32_t& value) {
      if (at + 4 > text_.size()) return false;
      value = 0;
      for (size_t k = at; k < at + 4; ++k) {
        const int d = HexDigit(text_[k]);
        if (d < 0) return false;
        value = value * 16 + static_cast<uint32_t>(d);
      }
      return true;
    };
    uint32_t code = 0;
    const auto bad_unicode = [&]() {
      const size_t end = std::min(text_.size(), escape + 12);
      size_t shown = escape + 2;
      while (shown < end && HexDigit(text_[shown]) >= 0 && shown < escape + 6) ++shown;
      return Fail(escape, "\\u and four hex digits of a Unicode character",
                  QuoteFound(text_.substr(escape, shown - escape)), error);
    };
    if (!read_hex(pos_, code)) return bad_unicode();
    pos_ += 4;
    if (code >= 0xD800 && code <= 0xDBFF) {
      uint32_t low = 0;
      if (pos_ + 1 < text_.size() && text_[pos_] == '\\' && text_[pos_ + 1] == 'u' &&
          read_hex(pos_ + 2, low) && low >= 0xDC00 && low <= 0xDFFF) {
        pos_ += 6;
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
      } else {
        return Fail(escape, "a surrogate pair (\\uD800-\\uDBFF then \\uDC00-\\uDFFF)",
                    QuoteFound(text_.substr(escape, 6)), error);
      }
    } else if (code >= 0xDC00 && code <= 0xDFFF) {
      return Fail(escape, "a surrogate pair (\\uD800-\\uDBFF then \\uDC00-\\uDFFF)",
                  QuoteFound(text_.substr(escape, 6)), error);
    }
    AppendUtf8(out, code);
  }
  ++pos_;  // '"'
  token.kind = TokenKind::kString;
  token.text = std::move(out);
  token.length = pos_ - open;
  return true;
}

}  // namespace mercato::analytics::rules

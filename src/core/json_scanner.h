#pragma once
// JsonScanner: reads chosen members straight from JSON text without building a document, for hot
// paths that need a few members of large stored documents (profile_rule_fields.cc, segment
// histories). It handles the common forms only — strings without escapes, integers without
// fraction or exponent — and returns false on anything else, so callers fall back to a full
// parser (boost::json) there. Skipped values are not validated.
//
// Thread safety: a plain value over text the caller keeps alive.

#include <charconv>
#include <cstddef>
#include <string_view>
#include <system_error>

namespace mercato {

// A cursor over JSON text. Every reader returns false on anything it does not handle.
class JsonScanner {
 public:
  explicit JsonScanner(std::string_view text) : text_(text) {}

  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }

  // Consumes `c` (after whitespace) when it is next.
  bool Take(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  // A string without escapes (the common case: names written by Serialize).
  bool PlainString(std::string_view& out) {
    if (!Take('"')) return false;
    const size_t start = pos_;
    for (; pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (c == '"') {
        out = text_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
    }
    return false;
  }

  // An integer member value (no fraction or exponent: those are not counts or times).
  template <typename Int>
  bool Integer(Int& out) {
    SkipSpace();
    const char* begin = text_.data() + pos_;
    const char* end = text_.data() + text_.size();
    Int value = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr == begin) return false;
    if (ptr != end && (*ptr == '.' || *ptr == 'e' || *ptr == 'E')) return false;
    // "-0" and leading zeros: leave them to Parse.
    const char* digits = *begin == '-' ? begin + 1 : begin;
    if (*digits == '0' && (ptr - digits > 1 || *begin == '-')) return false;
    pos_ = static_cast<size_t>(ptr - text_.data());
    out = value;
    return true;
  }

  bool Literal(std::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // Skips one value of any kind (not validated) and returns its text.
  bool SkipValue(std::string_view* text = nullptr) {
    SkipSpace();
    const size_t start = pos_;
    int depth = 0;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        if (!SkipString()) return false;
        if (depth == 0) break;
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;  // the end of the enclosing container
        if (--depth == 0) {
          ++pos_;
          break;
        }
      } else if (depth == 0 && IsDelimiter(c)) {
        break;
      }
      ++pos_;
    }
    if (pos_ == start || depth != 0) return false;
    if (text != nullptr) *text = text_.substr(start, pos_ - start);
    return true;
  }

 private:
  static bool IsDelimiter(char c) {
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool SkipString() {
    ++pos_;  // the opening quote
    for (; pos_ < text_.size(); ++pos_) {
      if (text_[pos_] == '\\') {
        ++pos_;
      } else if (text_[pos_] == '"') {
        ++pos_;
        return true;
      }
    }
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// Calls `member(key)` for each member of the object at the cursor; `member` consumes the value.
template <typename Member>
bool ForEachMember(JsonScanner& in, Member&& member) {
  if (!in.Take('{')) return false;
  if (in.Take('}')) return true;
  do {
    std::string_view key;
    if (!in.PlainString(key) || !in.Take(':') || !member(key)) return false;
  } while (in.Take(','));
  return in.Take('}');
}

}  // namespace mercato

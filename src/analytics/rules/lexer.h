#pragma once
// The rule lexer: turns rule text into tokens one at a time, so that the parser reports the first
// error in text order whether it is lexical or syntactic. Lexical rules are in docs/segments.md.
//
// Thread safety: a Lexer is used by one thread; the functions are pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/rules/ast.h"
#include "analytics/rules/rule_error.h"

namespace mercato::analytics::rules {

enum class TokenKind : uint8_t {
  kEnd,
  kWord,  // a keyword or a field path: orders, traits.plan, traits.`First Name`
  kNumber,
  kDuration,
  kString,
  kLParen,
  kRParen,
  kComma,
  kPlus,
  kMinus,
  kEq,  // = or ==
  kNe,  // != or <>
  kLt,
  kLe,
  kGt,
  kGe,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t offset = 0;
  size_t length = 0;
  std::vector<std::string> path;  // kWord: the segments
  bool quoted = false;            // kWord: the first segment was written in backticks
  double number = 0.0;            // kNumber
  Duration duration;              // kDuration
  std::string text;               // kString: the decoded string

  // Whether this is the keyword `keyword` (lower case): one segment, not in backticks, equal
  // ignoring ASCII case.
  bool Is(std::string_view keyword) const;
  // Whether this is any keyword.
  bool IsKeyword() const;
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // Reads the token after the previous one into `token` (kEnd at the end, again and again).
  // Returns false and fills `error` when the text there is not a token.
  bool Next(Token& token, RuleError& error);

 private:
  bool Fail(size_t offset, std::string expected, std::string found, RuleError& error) const;
  bool LexWord(Token& token, RuleError& error);
  bool LexNumber(Token& token, RuleError& error);
  bool LexString(Token& token, RuleError& error);
  bool LexQuotedName(std::string& out, RuleError& error);

  std::string_view text_;
  size_t pos_ = 0;
};

// Whether `word` is a keyword of the language, ignoring ASCII case.
bool IsKeyword(std::string_view word);
// Whether `segment` can be written without backticks: [A-Za-z_][A-Za-z0-9_]*.
bool IsPlainName(std::string_view segment);

}  // namespace mercato::analytics::rules

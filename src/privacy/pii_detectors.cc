// The PII scanners (pii_detectors.h). Each scanner walks the text once and proposes candidates;
// DetectPii keeps the non-overlapping ones, more specific kinds first.

#include "privacy/pii_detectors.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace mercato {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
// Part of a word: ASCII letters and digits, '_', and any byte of a multi-byte UTF-8 character
// (so "zł", "€" and letters with diacritics glue like letters do).
bool IsWordByte(char c) { return IsAlnum(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }
char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Higher wins when candidates overlap.
int Priority(PiiKind kind) {
  switch (kind) {
    case PiiKind::kIban:
      return 5;
    case PiiKind::kPaymentCard:
    case PiiKind::kPesel:
      return 4;
    case PiiKind::kIpAddress:
    case PiiKind::kEmail:
      return 3;
    case PiiKind::kPhone:
      return 1;
  }
  return 0;
}

// The word (lowercased, at most 24 bytes) that ends just before `pos`, skipping back over a few
// spaces and punctuation (": #.=").
std::string PreviousWord(std::string_view text, size_t pos) {
  size_t end = pos;
  for (int skipped = 0; end > 0 && skipped < 4; ++skipped) {
    char c = text[end - 1];
    if (c != ' ' && c != ':' && c != '#' && c != '.' && c != '=' && c != '-') break;
    --end;
  }
  size_t begin = end;
  while (begin > 0 && end - begin < 24 && IsWordByte(text[begin - 1])) --begin;
  std::string word(text.substr(begin, end - begin));
  for (char& c : word) c = ToLower(c);
  return word;
}

bool IsOneOf(std::string_view word, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// A word before a number that says it is a software version.
bool AfterVersionWord(std::string_view text, size_t pos) {
  return IsOneOf(PreviousWord(text, pos),
                 {"v", "ver", "version", "build", "release", "firmware", "fw", "wersja"});
}

// A phone word within the 24 bytes before `pos` ("tel", "phone", "mobile", "call me at"...).
bool AfterPhoneWord(std::string_view text, size_t pos) {
  size_t begin = pos > 24 ? pos - 24 : 0;
  std::string window(text.substr(begin, pos - begin));
  for (char& c : window) c = ToLower(c);
  for (std::string_view word : {"tel", "phone", "mobil", "cell", "call", "sms", "whatsapp", "fax",
                                "handy", "komórk", "zadzwo", "contact", "kontakt"}) {
    if (window.find(word) != std::string::npos) return true;
  }
  return false;
}

// A word before a number that says it is a reference, not a phone number. Words that only say
// "number" ("no", "nr", "id") count unless a phone word comes shortly before ("phone no.").
bool AfterReferenceWord(std::string_view text, size_t pos) {
  std::string word = PreviousWord(text, pos);
  if (IsOneOf(word, {"no", "nr", "id", "number", "numer", "nummer"})) {
    return !AfterPhoneWord(text, pos);
  }
  return IsOneOf(word,
                 {"sku",        "order",         "invoice", "ref",     "reference",    "tracking",
                  "parcel",     "shipment",      "ean",     "upc",     "isbn",         "item",
                  "article",    "art",           "serial",  "model",   "account",      "zamówienie",
                  "zamówienia", "faktura",       "faktury", "paczka",  "przesyłka",    "rechnung",
                  "bestellung", "bestellnummer", "auftrag", "sendung", "kundennummer", "iban",
                  "pesel",      "card",          "karta",   "nip",     "regon",        "krs"});
}

bool StartsWithWord(std::string_view text, std::string_view word) {
  if (text.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (ToLower(text[i]) != ToLower(word[i])) return false;
  }
  return text.size() == word.size() || !IsAlpha(text[word.size()]);
}

// A currency sign or code next to the number (one space allowed): it is an amount.
bool NextToCurrency(std::string_view text, size_t begin, size_t end) {
  static constexpr std::array<std::string_view, 13> kCodes = {
      "pln", "zł", "zl", "eur", "euro", "usd", "gbp", "chf", "€", "$", "£", "kr", "dollars"};
  std::string_view after = text.substr(end);
  if (!after.empty() && after[0] == ' ') after.remove_prefix(1);
  for (std::string_view code : kCodes) {
    if (StartsWithWord(after, code)) return true;
  }
  std::string_view before = text.substr(0, begin);
  if (!before.empty() && before.back() == ' ') before.remove_suffix(1);
  for (std::string_view code : kCodes) {
    if (before.size() >= code.size() &&
        StartsWithWord(before.substr(before.size() - code.size()), code) &&
        (before.size() == code.size() || !IsAlpha(before[before.size() - code.size() - 1]))) {
      return true;
    }
  }
  return false;
}

// True when the number starting at `begin` continues something on its left: a word ("ORD123"),
// an identifier ("SKU-123", "Chrome/120"), another number ("12:30", "1.5"), or a reference or
// amount sign ('#', '$', '@').
bool GluedLeft(std::string_view text, size_t begin) {
  if (begin == 0) return false;
  char p = text[begin - 1];
  if (IsWordByte(p) || p == '#' || p == '$' || p == '@' || p == '&' || p == '%') return true;
  if (begin < 2) return false;
  char pp = text[begin - 2];
  if ((p == '.' || p == ',' || p == ':' || p == '-' || p == '/' || p == '+') && IsDigit(pp)) {
    return true;
  }
  return (p == '-' || p == '/' || p == '_' || p == '\\') && IsWordByte(pp);
}

// True when the number ending at `end` continues on its right: letters ("123abc", "5zł"), a
// decimal or time part (".99", ":30"), a percent sign or an e-mail's '@'.
bool GluedRight(std::string_view text, size_t end) {
  if (end >= text.size()) return false;
  char c = text[end];
  if (IsWordByte(c) || c == '@' || c == '%') return true;
  if (end + 1 >= text.size()) return false;
  return (c == '.' || c == ',' || c == ':' || c == '-' || c == '/') && IsAlnum(text[end + 1]);
}

// --- e-mail ---------------------------------------------------------------------------------

bool IsLocalChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '+' || c == '-' || c == '%';
}

// The end of a valid domain starting at `begin`, or 0.
size_t DomainEnd(std::string_view text, size_t begin) {
  size_t end = begin;
  while (end < text.size() && (IsAlnum(text[end]) || text[end] == '-' || text[end] == '.')) ++end;
  while (end > begin && (text[end - 1] == '.' || text[end - 1] == '-')) --end;
  std::string_view domain = text.substr(begin, end - begin);
  if (domain.size() < 4 || domain.size() > 253) return 0;
  size_t labels = 0;
  size_t start = 0;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return 0;
    }
    ++labels;
    if (dot == domain.size()) {
      // The top-level domain: letters only.
      if (labels < 2 || label.size() < 2 || !std::all_of(label.begin(), label.end(), IsAlpha)) {
        return 0;
      }
      break;
    }
    start = dot + 1;
  }
  return end;
}

void ScanEmails(std::string_view text, std::vector<PiiMatch>& out) {
  size_t i = 0;
  while (i < text.size()) {
    size_t at = i;
    while (at < text.size() && text[at] != '@' && text[at] != '%') ++at;
    if (at == text.size()) return;
    size_t separator = 0;
    if (text[at] == '@') {
      separator = 1;
    } else if (text.substr(at, 3) == "%40") {
      separator = 3;
    }
    if (separator == 0) {
      i = at + 1;
      continue;
    }
    size_t begin = at;
    while (begin > 0 && IsLocalChar(text[begin - 1])) --begin;
    while (begin < at && (text[begin] == '.' || text[begin] == '-' || text[begin] == '+')) ++begin;
    size_t end = DomainEnd(text, at + separator);
    std::string_view local = text.substr(begin, at - begin);
    if (end == 0 || local.empty() || local.size() > 64 || local.back() == '.' ||
        local.find("..") != std::string_view::npos) {
      i = at + separator;
      continue;
    }
    out.push_back(PiiMatch{PiiKind::kEmail, begin, end - begin});
    i = end;
  }
}

// --- IBAN -----------------------------------------------------------------------------------

void ScanIbans(std::string_view text, std::vector<PiiMatch>& out) {
  const size_t n = text.size();
  for (size_t i = 0; i + 4 < n; ++i) {
    if (!IsDigit(text[i + 2]) || !IsDigit(text[i + 3]) || !IsAlpha(text[i]) ||
        !IsAlpha(text[i + 1]) || (i > 0 && IsWordByte(text[i - 1]))) {
      continue;
    }
    size_t length = IbanLength(text.substr(i, 2));
    if (length == 0) continue;
    size_t compact = 4;
    size_t j = i + 4;
    while (compact < length && j < n) {
      if (IsAlnum(text[j])) {
        ++compact;
        ++j;
      } else if (text[j] == ' ' && j + 1 < n && IsAlnum(text[j + 1])) {
        ++j;
      } else {
        break;
      }
    }
    if (compact != length || (j < n && IsWordByte(text[j]))) continue;
    if (!IbanValid(text.substr(i, j - i))) continue;
    out.push_back(PiiMatch{PiiKind::kIban, i, j - i});
    i = j - 1;
  }
}

// --- IP addresses ---------------------------------------------------------------------------

// An IPv4 octet at `pos` (1-3 digits, no leading zero, at most 255); returns its end or 0.
size_t OctetEnd(std::string_view text, size_t pos) {
  size_t end = pos;
  int value = 0;
  while (end < text.size() && IsDigit(text[end]) && end - pos < 4) {
    value = value * 10 + (text[end] - '0');
    ++end;
  }
  size_t digits = end - pos;
  if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && text[pos] == '0')) return 0;
  return end;
}

void ScanIpv4(std::string_view text, std::vector<PiiMatch>& out) {
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    if (!IsDigit(text[i]) || (i > 0 && (IsDigit(text[i - 1]) || text[i - 1] == '.'))) {
      ++i;
      continue;
    }
    size_t end = i;
    bool ok = true;
    for (int part = 0; part < 4 && ok; ++part) {
      if (part > 0) {
        if (end >= n || text[end] != '.') {
          ok = false;
          break;
        }
        ++end;
      }
      end = OctetEnd(text, end);
      ok = end != 0;
    }
    if (ok && !GluedLeft(text, i) && !AfterVersionWord(text, i) &&
        !(end < n &&
          (IsWordByte(text[end]) || (text[end] == '.' && end + 1 < n && IsDigit(text[end + 1]))))) {
      out.push_back(PiiMatch{PiiKind::kIpAddress, i, end - i});
      i = end;
      continue;
    }
    while (i < n && (IsDigit(text[i]) || text[i] == '.')) ++i;
  }
}

bool IsIpv6Char(char c) { return IsHex(c) || c == ':' || c == '.'; }

void ScanIpv6(std::string_view text, std::vector<PiiMatch>& out) {
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Candidates are the runs of hex digits, ':' and '.' around each ':'.
    size_t colon = text.find(':', i);
    if (colon == std::string_view::npos) return;
    size_t begin = colon;
    while (begin > i && IsIpv6Char(text[begin - 1])) --begin;
    size_t end = colon;
    while (end < n && IsIpv6Char(text[end])) ++end;
    i = end;
    if (begin > 0 && IsWordByte(text[begin - 1])) continue;
    if (end < n && IsWordByte(text[end])) continue;
    while (end > begin && text[end - 1] == '.') --end;
    if (end - begin >= 2 && text[end - 1] == ':' && text[end - 2] != ':') --end;
    std::string_view token = text.substr(begin, end - begin);
    if (std::count(token.begin(), token.end(), ':') < 2 ||
        std::none_of(token.begin(), token.end(), IsHex) || token.size() > INET6_ADDRSTRLEN) {
      continue;
    }
    char buffer[INET6_ADDRSTRLEN + 1];
    std::memcpy(buffer, token.data(), token.size());
    buffer[token.size()] = '\0';
    unsigned char bytes[16];
    if (inet_pton(AF_INET6, buffer, bytes) == 1) {
      out.push_back(PiiMatch{PiiKind::kIpAddress, begin, token.size()});
    }
  }
}

// --- numbers: cards, PESEL, phones ----------------------------------------------------------

// A run of digit groups such as "+48 600-123-456", "(555) 123-4567" or "4111 1111 1111 1111".
// (No default member initialisers: a span's array of groups is written before it is read, and
// initialising all of it for every number would dominate the scan.)
struct Group {
  size_t begin;    // first byte ('(' for a parenthesised group)
  size_t end;      // one past the last byte (after ')')
  size_t digits;   // digits in the group
  char separator;  // ' ', '-', '.', '/' before the group; 0 for the first or after ')'
  bool paren;
};

constexpr size_t kMaxGroups = 16;

struct NumberSpan {
  size_t begin = 0;
  size_t end = 0;
  bool plus = false;
  size_t count = 0;       // groups recorded
  bool overflow = false;  // more than kMaxGroups groups
  std::array<Group, kMaxGroups> groups;

  size_t Digits(size_t groups_used) const {
    size_t total = 0;
    for (size_t g = 0; g < groups_used; ++g) total += groups[g].digits;
    return total;
  }
};

bool IsSeparator(char c) { return c == ' ' || c == '-' || c == '.' || c == '/'; }

// Parses the longest run of groups from `start` (a digit, '+' or '(' followed by a digit).
NumberSpan ParseNumberSpan(std::string_view text, size_t start) {
  const size_t n = text.size();
  NumberSpan span;
  span.begin = start;
  size_t pos = start;
  if (text[pos] == '+') {
    span.plus = true;
    ++pos;
  }
  char separator = 0;
  while (pos < n) {
    Group group{pos, pos, 0, separator, false};
    if (text[pos] == '(') {
      size_t q = pos + 1;
      while (q < n && IsDigit(text[q]) && q - pos <= 5) ++q;
      if (q >= n || text[q] != ')' || q == pos + 1) break;
      group.paren = true;
      group.digits = q - pos - 1;
      group.end = q + 1;
    } else if (IsDigit(text[pos])) {
      size_t q = pos;
      while (q < n && IsDigit(text[q])) ++q;
      group.digits = q - pos;
      group.end = q;
    } else {
      break;
    }
    if (span.count < kMaxGroups) {
      span.groups[span.count++] = group;
    } else {
      span.overflow = true;
    }
    span.end = group.end;
    pos = group.end;
    if (pos >= n) break;
    char c = text[pos];
    if (IsSeparator(c) && pos + 1 < n && (IsDigit(text[pos + 1]) || text[pos + 1] == '(')) {
      separator = c;
      ++pos;
    } else if (c == '(' || (group.paren && IsDigit(c))) {
      separator = 0;
    } else {
      break;
    }
  }
  return span;
}

std::string SpanDigits(std::string_view text, const NumberSpan& span, size_t groups_used) {
  std::string digits;
  for (size_t g = 0; g < groups_used; ++g) {
    for (size_t k = span.groups[g].begin; k < span.groups[g].end; ++k) {
      if (IsDigit(text[k])) digits.push_back(text[k]);
    }
  }
  return digits;
}

// The card in the first groups of the span: all of them, or a prefix followed by something that
// does not continue the grouping (an expiry date, say). Returns the number of groups, or 0.
size_t CardGroups(std::string_view text, const NumberSpan& span) {
  if (span.plus || span.overflow || span.count == 0 || span.groups[0].paren) return 0;
  // The first groups joined by one separator kind, space or dash.
  size_t run = 1;
  char kind = span.count > 1 ? span.groups[1].separator : '\0';
  if (kind == ' ' || kind == '-') {
    while (run < span.count && span.groups[run].separator == kind && !span.groups[run].paren) {
      ++run;
    }
  }
  for (size_t used = run; used >= 1; --used) {
    size_t digits = span.Digits(used);
    if (digits < 13 || digits > 19) continue;
    if (used < span.count) {
      const Group& next = span.groups[used];
      if (next.separator == kind && next.digits == 4) return 0;  // a longer grouped number
    }
    if (used > 1) {
      // Groups as printed on cards: 4 first, then 3 to 6, the last one 1 to 6.
      if (span.groups[0].digits != 4) continue;
      bool shaped = true;
      for (size_t g = 1; g < used; ++g) {
        size_t d = span.groups[g].digits;
        if (d > 6 || (g + 1 < used && d < 3)) shaped = false;
      }
      if (!shaped) continue;
    }
    std::string number = SpanDigits(text, span, used);
    if (LuhnValid(number) && PlausibleCardPrefix(number)) return used;
  }
  return 0;
}

// dd.mm.yyyy, yyyy-mm-dd and the like among three consecutive groups.
bool HasDateShape(std::string_view text, const NumberSpan& span) {
  auto value = [&](const Group& g) {
    int v = 0;
    for (size_t k = g.begin; k < g.end; ++k) {
      if (IsDigit(text[k])) v = v * 10 + (text[k] - '0');
    }
    return v;
  };
  for (size_t g = 0; g + 2 < span.count; ++g) {
    const Group& a = span.groups[g];
    const Group& b = span.groups[g + 1];
    const Group& c = span.groups[g + 2];
    if (a.paren || b.paren || c.paren || b.separator != c.separator || b.separator == ' ') {
      continue;
    }
    auto day_month = [](int x, int y) { return x >= 1 && x <= 31 && y >= 1 && y <= 31; };
    if (a.digits <= 2 && b.digits <= 2 && c.digits == 4 && day_month(value(a), value(b))) {
      return true;
    }
    if (a.digits == 4 && b.digits <= 2 && c.digits <= 2 && day_month(value(b), value(c))) {
      return true;
    }
  }
  return false;
}

bool IsPhone(std::string_view text, const NumberSpan& span) {
  if (span.overflow) return false;
  const size_t digits = span.Digits(span.count);
  const Group& first = span.groups[0];
  const bool double_zero = !span.plus && !first.paren && first.digits >= 2 &&
                           text[first.begin] == '0' && text[first.begin + 1] == '0';
  const bool international = span.plus || double_zero;
  if (international) {
    size_t country_digit = span.plus ? first.begin + (first.paren ? 1 : 0) : first.begin + 2;
    if (country_digit >= text.size() || !IsDigit(text[country_digit]) ||
        text[country_digit] == '0') {
      return false;
    }
    size_t significant = double_zero ? digits - 2 : digits;
    if (significant < 9 || significant > 15) return false;
  } else if (digits < 9 || digits > 13) {
    return false;
  }
  // Separators: dots only with dots; at most one slash.
  bool dots = false;
  bool others = false;
  int slashes = 0;
  for (size_t g = 1; g < span.count; ++g) {
    char s = span.groups[g].separator;
    if (s == '.') dots = true;
    if (s == ' ' || s == '-' || s == '/') others = true;
    if (s == '/') ++slashes;
  }
  if ((dots && others) || slashes > 1) return false;
  if (dots && (span.count == 4 || AfterVersionWord(text, span.begin))) return false;
  if (HasDateShape(text, span)) return false;
  if (NextToCurrency(text, span.begin, span.end)) return false;
  if (span.count == 1) {
    // A bare run of digits: international, a trunk prefix (0 then 1-9), or after a phone word.
    if (span.plus) return true;
    if (AfterReferenceWord(text, span.begin)) return false;
    if (!double_zero && text[first.begin] == '0' && text[first.begin + 1] != '0' && digits >= 10 &&
        digits <= 11) {
      return true;
    }
    return digits <= (double_zero ? 17 : 11) && AfterPhoneWord(text, span.begin);
  }
  if (!international && AfterReferenceWord(text, span.begin)) return false;
  // Group sizes: the first may be short (country code, "1-800", "(0)"), the rest 2 to 8 digits.
  for (size_t g = 0; g < span.count; ++g) {
    const Group& group = span.groups[g];
    if (group.digits > 8) return false;
    if (g > 0 && group.digits < 2 && !(group.paren && international)) return false;
    if (g == 0 && !international && group.digits > 5) return false;
  }
  return true;
}

void ScanNumbers(std::string_view text, std::vector<PiiMatch>& out) {
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    char c = text[i];
    bool starts = IsDigit(c) || ((c == '+' || c == '(') && i + 1 < n && IsDigit(text[i + 1]));
    if (!starts) {
      ++i;
      continue;
    }
    if (i > 0 && IsWordByte(text[i - 1])) {
      ++i;  // digits inside a word ("ORD123", "a716"): skip the word
      while (i < n && IsWordByte(text[i])) ++i;
      continue;
    }
    NumberSpan span = ParseNumberSpan(text, i);
    if (span.count == 0) {
      ++i;
      continue;
    }
    i = span.end;
    if (GluedLeft(text, span.begin)) continue;
    size_t card_groups = CardGroups(text, span);
    if (card_groups > 0) {
      size_t end = span.groups[card_groups - 1].end;
      if (card_groups < span.count || !GluedRight(text, end)) {
        out.push_back(PiiMatch{PiiKind::kPaymentCard, span.begin, end - span.begin});
        i = end;
        continue;
      }
    }
    if (GluedRight(text, span.end)) continue;
    const Group& first = span.groups[0];
    if (span.count == 1 && !span.plus && !first.paren && first.digits == 11 &&
        PeselValid(text.substr(first.begin, 11))) {
      out.push_back(PiiMatch{PiiKind::kPesel, span.begin, span.end - span.begin});
      continue;
    }
    if (IsPhone(text, span)) {
      out.push_back(PiiMatch{PiiKind::kPhone, span.begin, span.end - span.begin});
    }
  }
}

}  // namespace

std::string_view PiiKindName(PiiKind kind) {
  switch (kind) {
    case PiiKind::kEmail:
      return "email";
    case PiiKind::kPhone:
      return "phone";
    case PiiKind::kPaymentCard:
      return "card";
    case PiiKind::kIban:
      return "iban";
    case PiiKind::kPesel:
      return "pesel";
    case PiiKind::kIpAddress:
      return "ip";
  }
  return "unknown";
}

std::optional<PiiKind> PiiKindFromName(std::string_view name) {
  for (PiiKind kind : {PiiKind::kEmail, PiiKind::kPhone, PiiKind::kPaymentCard, PiiKind::kIban,
                       PiiKind::kPesel, PiiKind::kIpAddress}) {
    if (PiiKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::vector<PiiMatch> DetectPii(std::string_view text) {
  // Prefilter: every detector needs '@' ("%40"), ':' or at least 4 digits.
  bool at = false;
  bool colon = false;
  size_t digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (IsDigit(c)) {
      ++digits;
    } else if (c == '@' || (c == '%' && text.substr(i + 1, 2) == "40")) {
      at = true;
    } else if (c == ':') {
      colon = true;
    }
  }
  std::vector<PiiMatch> candidates;
  if (!at && !colon && digits < 4) return candidates;
  if (at) ScanEmails(text, candidates);
  if (colon) ScanIpv6(text, candidates);
  if (digits >= 4) {
    ScanIbans(text, candidates);
    ScanIpv4(text, candidates);
    ScanNumbers(text, candidates);
  }
  if (candidates.size() <= 1) return candidates;
  std::stable_sort(candidates.begin(), candidates.end(), [](const PiiMatch& a, const PiiMatch& b) {
    if (Priority(a.kind) != Priority(b.kind)) return Priority(a.kind) > Priority(b.kind);
    if (a.length != b.length) return a.length > b.length;
    return a.begin < b.begin;
  });
  std::vector<PiiMatch> chosen;
  for (const PiiMatch& candidate : candidates) {
    bool overlaps = std::any_of(chosen.begin(), chosen.end(), [&](const PiiMatch& kept) {
      return candidate.begin < kept.begin + kept.length &&
             kept.begin < candidate.begin + candidate.length;
    });
    if (!overlaps) chosen.push_back(candidate);
  }
  std::sort(chosen.begin(), chosen.end(),
            [](const PiiMatch& a, const PiiMatch& b) { return a.begin < b.begin; });
  return chosen;
}

}  // namespace mercato

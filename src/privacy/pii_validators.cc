// Checksums and canonical forms behind the PII detectors (pii_detectors.h): Luhn, card IIN ranges,
// IBAN country lengths and mod 97, PESEL, normalisation for hash tokens, IP truncation.

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "privacy/pii_detectors.h"

namespace mercato {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
char ToUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// IBAN lengths per country (ISO 13616 registry).
struct IbanCountry {
  char code[3];
  uint8_t length;
};
constexpr std::array<IbanCountry, 88> kIbanCountries = {{
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
    {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20},
    {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
    {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
    {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25},
    {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
}};

// Parses an IPv4 or IPv6 address (brackets allowed around IPv6). Returns the family or 0.
int ParseIp(std::string_view ip, unsigned char* bytes) {
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (ip.empty() || ip.size() > INET6_ADDRSTRLEN) return 0;
  char buffer[INET6_ADDRSTRLEN + 1];
  std::memcpy(buffer, ip.data(), ip.size());
  buffer[ip.size()] = '\0';
  if (inet_pton(AF_INET, buffer, bytes) == 1) return AF_INET;
  if (inet_pton(AF_INET6, buffer, bytes) == 1) return AF_INET6;
  return 0;
}

std::string FormatIp(int family, const unsigned char* bytes) {
  char buffer[INET6_ADDRSTRLEN];
  if (inet_ntop(family, bytes, buffer, sizeof(buffer)) == nullptr) return {};
  return buffer;
}

}  // namespace

size_t IbanLength(std::string_view country) {
  if (country.size() != 2) return 0;
  char a = ToUpper(country[0]);
  char b = ToUpper(country[1]);
  for (const IbanCountry& entry : kIbanCountries) {
    if (entry.code[0] == a && entry.code[1] == b) return entry.length;
  }
  return 0;
}

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!IsDigit(digits[i])) return false;
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool PlausibleCardPrefix(std::string_view digits) {
  const size_t n = digits.size();
  if (n < 13 || n > 19) return false;
  auto prefix = [&](size_t k) {
    int value = 0;
    for (size_t i = 0; i < k; ++i) value = value * 10 + (digits[i] - '0');
    return value;
  };
  const int p1 = prefix(1);
  const int p2 = prefix(2);
  const int p3 = prefix(3);
  const int p4 = prefix(4);
  const int p6 = prefix(6);
  const bool len16to19 = n >= 16;
  // Visa: 16 or 19 digits (13-digit Visa numbers are no longer issued, and 13 digits starting
  // with 4 are far more often German EAN barcodes).
  if (p1 == 4) return n == 16 || n == 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;  // Mastercard
  if (p4 >= 2200 && p4 <= 2204) return len16to19;                            // Mir
  if (p2 == 34 || p2 == 37) return n == 15;                                  // Amex
  if ((p3 >= 300 && p3 <= 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39) {
    return n >= 14;  // Diners Club
  }
  if (p4 >= 3528 && p4 <= 3589) return len16to19;  // JCB
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || (p6 >= 622126 && p6 <= 622925)) {
    return len16to19;  // Discover
  }
  if (p2 == 62) return len16to19;  // UnionPay
  // Maestro, by its issued prefixes only: the historic 50, 56-69 range holds most EAN-13 barcodes
  // of Europe (590 is Poland).
  for (int maestro : {5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763}) {
    if (p4 == maestro) return true;
  }
  return false;
}

bool IbanValid(std::string_view iban) {
  std::string compact;
  compact.reserve(iban.size());
  for (char c : iban) {
    if (c == ' ') continue;
    compact.push_back(ToUpper(c));
  }
  if (compact.size() < 5 || !IsUpper(compact[0]) || !IsUpper(compact[1]) || !IsDigit(compact[2]) ||
      !IsDigit(compact[3])) {
    return false;
  }
  if (IbanLength(std::string_view(compact).substr(0, 2)) != compact.size()) return false;
  // Mod 97 of BBAN + country + check digits with letters as 10..35, computed digit by digit.
  unsigned remainder = 0;
  for (size_t k = 0; k < compact.size(); ++k) {
    char c = compact[(k + 4) % compact.size()];
    if (IsDigit(c)) {
      remainder = (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
    } else if (IsUpper(c)) {
      remainder = (remainder * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

bool PeselValid(std::string_view digits) {
  if (digits.size() != 11) return false;
  if (!std::all_of(digits.begin(), digits.end(), IsDigit)) return false;
  static constexpr std::array<int, 10> kWeights = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3};
  int sum = 0;
  for (size_t i = 0; i < 10; ++i) sum += kWeights[i] * (digits[i] - '0');
  if ((10 - sum % 10) % 10 != digits[10] - '0') return false;
  int year = (digits[0] - '0') * 10 + (digits[1] - '0');
  int month = (digits[2] - '0') * 10 + (digits[3] - '0');
  int day = (digits[4] - '0') * 10 + (digits[5] - '0');
  // The month carries the century: +80 for 1800s, +0 for 1900s, +20, +40, +60 for 2000-2200s.
  int century = 0;
  if (month >= 81 && month <= 92) {
    century = 1800;
    month -= 80;
  } else if (month >= 1 && month <= 12) {
    century = 1900;
  } else if (month >= 21 && month <= 32) {
    century = 2000;
    month -= 20;
  } else if (month >= 41 && month <= 52) {
    century = 2100;
    month -= 40;
  } else if (month >= 61 && month <= 72) {
    century = 2200;
    month -= 60;
  } else {
    return false;
  }
  year += century;
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[static_cast<size_t>(month - 1)];
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && leap) days = 29;
  return day >= 1 && day <= days;
}

std::string NormalisePii(PiiKind kind, std::string_view value) {
  std::string out;
  out.reserve(value.size());
  switch (kind) {
    case PiiKind::kEmail:
      for (size_t i = 0; i < value.size(); ++i) {
        if (value.substr(i, 3) == "%40") {
          out.push_back('@');
          i += 2;
        } else {
          out.push_back(ToLower(value[i]));
        }
      }
      return out;
    case PiiKind::kPhone: {
      size_t i = 0;
      if (!value.empty() && value[0] == '+') {
        out.push_back('+');
        i = 1;
      } else if (value.size() >= 2 && value[0] == '0' && value[1] == '0') {
        out.push_back('+');
        i = 2;
      }
      const bool international = !out.empty();
      for (; i < value.size(); ++i) {
        // "+44 (0)20 ..." : the national trunk prefix in parentheses is not dialled.
        if (international && value.substr(i, 3) == "(0)") {
          i += 2;
          continue;
        }
        if (IsDigit(value[i])) out.push_back(value[i]);
      }
      return out;
    }
    case PiiKind::kPaymentCard:
    case PiiKind::kPesel:
      for (char c : value) {
        if (IsDigit(c)) out.push_back(c);
      }
      return out;
    case PiiKind::kIban:
      for (char c : value) {
        if (c != ' ') out.push_back(ToUpper(c));
      }
      return out;
    case PiiKind::kIpAddress: {
      unsigned char bytes[16];
      int family = ParseIp(value, bytes);
      if (family == 0) return std::string(value);
      return FormatIp(family, bytes);
    }
  }
  return std::string(value);
}

std::optional<std::string> TruncateIp(std::string_view ip) {
  unsigned char bytes[16] = {};
  int family = ParseIp(ip, bytes);
  if (family == AF_INET) {
    bytes[3] = 0;
  } else if (family == AF_INET6) {
    static constexpr unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(bytes, kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
      bytes[15] = 0;  // IPv4-mapped: truncate the IPv4 address to /24
    } else {
      std::memset(bytes + 6, 0, 10);
    }
  } else {
    return std::nullopt;
  }
  return FormatIp(family, bytes);
}

}  // namespace mercato

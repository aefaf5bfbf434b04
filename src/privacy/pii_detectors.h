#pragma once
// Detectors of personal data in free text: e-mail addresses, phone numbers, payment card numbers,
// IBANs, PESELs (Polish national id) and IP addresses. They run on every string the DLP stage scans
// at ingestion, so they are hand-written scanners (no regular expressions) behind a prefilter that
// skips text without '@', "%40", ':' and with fewer than 4 digits.
//
// What counts as a match (docs/privacy.md, "Detectors"):
//  - email: local@domain (or local%40domain in URLs), domain with a dot and an alphabetic TLD.
//  - phone: 9 to 15 digits; "+CC" or "00CC" international forms, or national forms grouped by
//    spaces, dashes, dots, one slash or parentheses. A run of digits without separators is a phone
//    only with a trunk prefix (0 then 1-9, 10-11 digits) or after a phone word ("tel", "phone",
//    "mobile", "call", "sms", "whatsapp", "telefon", "handy", "fax"...). Never a date, time,
//    price, IP address, version, UUID part, or digits glued to letters or to '#'.
//  - card: 13-19 digits, ungrouped or grouped by one kind of separator (space or dash), Luhn valid,
//    with a known IIN prefix and length (Visa, Mastercard, Amex, Discover, Diners, JCB, Maestro,
//    UnionPay, Mir).
//  - iban: country code, 2 check digits and the BBAN at the country's exact length, with or without
//    spaces, mod-97 valid.
//  - pesel: 11 digits with a valid checksum and a valid encoded birth date (1800-2299).
//  - ip: dotted-quad IPv4 with octets 0-255 (not after a version word), IPv6 as accepted by
//    inet_pton (compressed and IPv4-mapped forms included, optionally in brackets).
// Matches never overlap; where candidates overlap, card, IBAN and PESEL win over IP and e-mail,
// which win over phone.
//
// Thread safety: pure functions, safe from any thread.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mercato {

enum class PiiKind { kEmail, kPhone, kPaymentCard, kIban, kPesel, kIpAddress };
inline constexpr size_t kPiiKindCount = 6;

// "email", "phone", "card", "iban", "pesel", "ip".
std::string_view PiiKindName(PiiKind kind);
// Inverse of PiiKindName; nullopt for an unknown name.
std::optional<PiiKind> PiiKindFromName(std::string_view name);

struct PiiMatch {
  PiiKind kind;
  size_t begin;   // byte offset in the scanned text
  size_t length;  // bytes

  bool operator==(const PiiMatch& other) const = default;
};

// All matches in `text`, in order of position, non-overlapping.
std::vector<PiiMatch> DetectPii(std::string_view text);

// Checks used by the detectors, exposed for tests and for callers validating single values.
bool LuhnValid(std::string_view digits);            // digits only
bool IbanValid(std::string_view iban);              // spaces allowed; country length and mod 97
bool PeselValid(std::string_view digits);           // 11 digits, checksum and birth date
bool PlausibleCardPrefix(std::string_view digits);  // IIN ranges and lengths of the networks
size_t IbanLength(std::string_view country);        // 0 for a country without IBAN

// The canonical form of a matched value, used as the input of hash tokens so that equal values in
// different notations give equal tokens: e-mail lowercased (with "%40" read as '@'), card and PESEL
// digits only, phone digits only with '+' for international forms ("00" read as '+'), IBAN
// uppercase without spaces, IP in inet_ntop's canonical form.
std::string NormalisePii(PiiKind kind, std::string_view value);

// An IP address truncated to its network: IPv4 to /24 ("192.168.1.0"), IPv6 to /48
// ("2001:db8:85a3::"). nullopt when `ip` is not an IP address.
std::optional<std::string> TruncateIp(std::string_view ip);

}  // namespace mercato

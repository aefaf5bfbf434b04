#pragma once
// Ad-audience identifiers in the customer-match format the ad platforms accept (Google Customer
// Match, Meta Custom Audiences): SHA-256, lowercase hex, of the normalised e-mail or phone. Only
// hashes leave mercato; the platforms match them against their own users.
//
// Normalisation:
//   e-mail: trimmed, lowercased; for gmail.com and googlemail.com the dots of the local part are
//           removed (Google's rule); must have one '@' with a non-empty local part and domain.
//   phone:  E.164: '+', country code and number, 8-15 digits; spaces, dashes, dots and
//           parentheses are dropped, a leading "00" becomes '+'; a number without '+' or "00"
//           is refused (its country would be a guess).
//
// Thread safety: pure functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mercato::channel {

std::optional<std::string> NormaliseEmail(std::string_view email);
std::optional<std::string> NormalisePhone(std::string_view phone);
// Lowercase hex SHA-256 of `normalised`.
std::string HashIdentifier(std::string_view normalised);

struct AudienceMember {
  std::string email_sha256;  // empty when unknown or not normalisable
  std::string phone_sha256;
};

// The member for a customer's e-mail and phone (either may be empty); nullopt when neither
// normalises, since such a customer cannot be matched.
std::optional<AudienceMember> MakeAudienceMember(std::string_view email, std::string_view phone);

// A customer-match upload file: "Email,Phone\n" and one row per member.
std::string AudienceCsv(const std::vector<AudienceMember>& members);

// The body of an audience webhook: {"audience": id, "action": "add"|"remove",
// "members": [{"email_sha256", "phone_sha256"}]}; removals are sent when consent is withdrawn
// or a customer is erased.
std::string AudienceUpdateJson(std::string_view audience, bool add,
                               const std::vector<AudienceMember>& members);

}  // namespace mercato::channel

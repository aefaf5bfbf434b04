#include "channel/audience.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>

#include "privacy/crypto.h"

namespace mercato::channel {

std::optional<std::string> NormaliseEmail(std::string_view email) {
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.front()))) {
    email.remove_prefix(1);
  }
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.back()))) {
    email.remove_suffix(1);
  }
  std::string out;
  for (char c : email) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t at = out.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == out.size() ||
      out.find('@', at + 1) != std::string::npos ||
      out.find_first_of(" \t\r\n") != std::string::npos) {
    return std::nullopt;
  }
  const std::string domain = out.substr(at + 1);
  if (domain == "gmail.com" || domain == "googlemail.com") {
    std::string local;
    for (char c : out.substr(0, at)) {
      if (c != '.') local += c;
    }
    if (local.empty()) return std::nullopt;
    out = local + "@" + domain;
  }
  return out;
}

std::optional<std::string> NormalisePhone(std::string_view phone) {
  std::string digits;
  bool plus = false;
  for (size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;
    }
  }
  if (!plus) {
    if (!digits.starts_with("00")) return std::nullopt;
    digits.erase(0, 2);
  }
  if (digits.size() < 8 || digits.size() > 15 || digits.front() == '0') return std::nullopt;
  return "+" + digits;
}

std::string HashIdentifier(std::string_view normalised) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::string digest = crypto::Sha256(normalised);
  std::string out;
  for (char c : digest) {
    const auto u = static_cast<unsigned char>(c);
    out += kDigits[u >> 4];
    out += kDigits[u & 15];
  }
  return out;
}

std::optional<AudienceMember> MakeAudienceMember(std::string_view email, std::string_view phone) {
  AudienceMember member;
  if (auto normal = NormaliseEmail(email)) member.email_sha256 = HashIdentifier(*normal);
  if (auto normal = NormalisePhone(phone)) member.phone_sha256 = HashIdentifier(*normal);
  if (member.email_sha256.empty() && member.phone_sha256.empty()) return std::nullopt;
  return member;
}

std::string AudienceCsv(const std::vector<AudienceMember>& members) {
  std::string out = "Email,Phone\n";
  for (const AudienceMember& member : members) {
    out += member.email_sha256 + "," + member.phone_sha256 + "\n";
  }
  return out;
}

std::string AudienceUpdateJson(std::string_view audience, bool add,
                               const std::vector<AudienceMember>& members) {
  boost::json::array list;
  for (const AudienceMember& member : members) {
    boost::json::object item;
    item["email_sha256"] = member.email_sha256.empty() ? boost::json::value(nullptr)
                                                       : boost::json::value(member.email_sha256);
    item["phone_sha256"] = member.phone_sha256.empty() ? boost::json::value(nullptr)
                                                       : boost::json::value(member.phone_sha256);
    list.push_back(std::move(item));
  }
  return boost::json::serialize(boost::json::object{
      {"audience", audience}, {"action", add ? "add" : "remove"}, {"members", std::move(list)}});
}

}  // namespace mercato::channel

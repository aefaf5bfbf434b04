#include "profile/keys.h"

#include "core/big_endian.h"
#include "core/hash.h"
#include "privacy/pseudonym.h"

namespace mercato::profile {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr std::string_view kCursorPrefix = "cursor/profiles/";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string IdentityKey(IdentityKind kind, std::string_view value) {
  std::string key;
  key.reserve(value.size() + 2);
  key.push_back(static_cast<char>(kind));
  key.push_back(':');
  key.append(value);
  return key;
}

std::string EmailIdentityKey(std::string_view pseudonym_key, std::string_view normalized_email) {
  std::string text = "email:";
  text.append(normalized_email);
  return IdentityKey(IdentityKind::kEmail, Pseudonym(pseudonym_key, text));
}

std::string IdentityIndexKey(std::string_view pseudonym_key, std::string_view identity_key) {
  std::string key;
  key.push_back(identity_key.empty() ? '?' : identity_key[0]);
  key.push_back(':');
  key += Pseudonym(pseudonym_key, identity_key);
  return key;
}

std::string_view IdentityKindName(std::string_view identity_key) {
  if (identity_key.size() < 2 || identity_key[1] != ':') return {};
  switch (identity_key[0]) {
    case 'u':
      return "userId";
    case 'a':
      return "anonymousId";
    case 'e':
      return "email";
    default:
      return {};
  }
}

std::string NormalizeEmail(std::string_view raw) {
  size_t begin = 0;
  size_t end = raw.size();
  while (begin < end && IsSpace(raw[begin])) ++begin;
  while (end > begin && IsSpace(raw[end - 1])) --end;
  std::string email(raw.substr(begin, end - begin));
  for (char& c : email) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  size_t at = email.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == email.size()) return {};
  return email;
}

std::string CustomerIdFor(std::string_view first_identity_key, uint64_t seed) {
  uint64_t hash = Hash64(first_identity_key, seed);
  std::string id(kCustomerIdSize, '0');
  for (size_t k = 0; k < kCustomerIdSize; ++k) {
    id[kCustomerIdSize - 1 - k] = kHexDigits[hash & 0xf];
    hash >>= 4;
  }
  return id;
}

bool IsCustomerId(std::string_view id) {
  if (id.size() != kCustomerIdSize) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string EventKey(std::string_view customer_id, int64_t timestamp_us, uint32_t partition,
                     uint64_t offset) {
  std::string key;
  key.reserve(customer_id.size() + kEventSuffixSize);
  key.append(customer_id);
  PutInt64Ordered(key, timestamp_us);
  PutFixed32BE(key, partition);
  PutFixed64BE(key, offset);
  return key;
}

std::string CursorKey(uint32_t partition) {
  std::string key(kCursorPrefix);
  PutFixed32BE(key, partition);
  return key;
}

std::string ForwardMarkerKey(uint32_t partition, uint32_t origin_partition,
                             uint64_t origin_offset) {
  std::string key = "fwd/";
  PutFixed32BE(key, partition);
  PutFixed32BE(key, origin_partition);
  PutFixed64BE(key, origin_offset);
  return key;
}

std::string LinkSentKey(std::string_view pseudonym_key, std::string_view customer_id,
                        std::string_view link_key) {
  std::string key(kLinkSentPrefix);
  key += customer_id;
  key += IdentityIndexKey(pseudonym_key, link_key);
  return key;
}

std::string_view IdentityRoutingValue(std::string_view identity_key) {
  if (identity_key.size() < 2 || identity_key[1] != ':') return {};
  if (identity_key[0] != 'u' && identity_key[0] != 'a') return {};
  return identity_key.substr(2);
}

std::string HexEncode(std::string_view bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    text.push_back(kHexDigits[c >> 4]);
    text.push_back(kHexDigits[c & 0xf]);
  }
  return text;
}

bool HexDecode(std::string_view text, std::string& bytes) {
  if (text.size() % 2 != 0) return false;
  bytes.clear();
  bytes.reserve(text.size() / 2);
  for (size_t k = 0; k < text.size(); k += 2) {
    int high = HexValue(text[k]);
    int low = HexValue(text[k + 1]);
    if (high < 0 || low < 0) return false;
    bytes.push_back(static_cast<char>((high << 4) | low));
  }
  return true;
}

}  // namespace mercato::profile

#include "privacy/field_cipher.h"

#include <boost/json.hpp>

#include "event/json_writer.h"
#include "privacy/crypto.h"

namespace mercato {
namespace json = boost::json;

Result<json::value> EncryptValue(const json::value& value, const DataKey& key) {
  std::string plaintext;
  if (!AppendJson(plaintext, value)) {
    return Status::InvalidArgument("a number is too large to be represented");
  }
  ASSIGN_OR_RETURN(std::string sealed, crypto::Seal(key.key, plaintext, key.id));
  std::string text = crypto::Base64UrlEncode(key.id);
  text.push_back('.');
  text += crypto::Base64UrlEncode(sealed);
  json::object object;
  object[kEncryptedMember] = text;
  return json::value(std::move(object));
}

bool IsEncrypted(const json::value& value) {
  const json::object* object = value.if_object();
  return object != nullptr && object->size() == 1 && object->contains(kEncryptedMember);
}

Result<json::value> DecryptValue(const json::value& encrypted, const KeyVault& vault) {
  const json::value* member =
      encrypted.is_object() ? encrypted.get_object().if_contains(kEncryptedMember) : nullptr;
  if (member == nullptr || !member->is_string()) {
    return Status::Corruption("not an encrypted value");
  }
  std::string_view text = member->get_string();
  size_t dot = text.find('.');
  std::string key_id, sealed;
  if (dot == std::string_view::npos || !crypto::Base64UrlDecode(text.substr(0, dot), key_id) ||
      !crypto::Base64UrlDecode(text.substr(dot + 1), sealed)) {
    return Status::Corruption("malformed encrypted value");
  }
  ASSIGN_OR_RETURN(std::string key, vault.KeyById(key_id));
  ASSIGN_OR_RETURN(std::string plaintext, crypto::Open(key, sealed, key_id));
  boost::system::error_code ec;
  json::value value = json::parse(plaintext, ec);
  if (ec) return Status::Corruption("decrypted value is not JSON");
  return value;
}

Status DecryptTree(json::value& root, const KeyVault& vault, DecryptStats* stats) {
  if (IsEncrypted(root)) {
    auto plain = DecryptValue(root, vault);
    if (plain.ok()) {
      root = std::move(plain).value();
      if (stats != nullptr) ++stats->decrypted;
    } else if (plain.status().code() == StatusCode::kNotFound) {
      root = nullptr;
      if (stats != nullptr) ++stats->erased;
    } else {
      return plain.status();
    }
    return Status::Ok();
  }
  if (json::object* object = root.if_object()) {
    for (auto& member : *object) RETURN_IF_ERROR(DecryptTree(member.value(), vault, stats));
  } else if (json::array* array = root.if_array()) {
    for (json::value& item : *array) RETURN_IF_ERROR(DecryptTree(item, vault, stats));
  }
  return Status::Ok();
}

bool ContainsEncryptedMarker(const json::value& root) {
  if (const json::object* object = root.if_object()) {
    for (const auto& member : *object) {
      if (member.key() == kEncryptedMember || ContainsEncryptedMarker(member.value())) return true;
    }
  } else if (const json::array* array = root.if_array()) {
    for (const json::value& item : *array) {
      if (ContainsEncryptedMarker(item)) return true;
    }
  }
  return false;
}

}  // namespace mercato

#include "server/auth.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <random>
#include <sstream>

namespace mercato {
namespace {

Result<uint8_t> ParseScope(std::string_view name) {
  if (name == "write") return static_cast<uint8_t>(Scope::kWrite);
  if (name == "read") return static_cast<uint8_t>(Scope::kRead);
  if (name == "admin") return static_cast<uint8_t>(Scope::kAdmin);
  return Status::InvalidArgument("unknown scope '" + std::string(name) + "'");
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t k = 0; k < prefix.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(text[k])) != prefix[k]) return false;
  }
  return true;
}

}  // namespace

bool Base64Decode(std::string_view in, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out.clear();
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) return false;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return bits < 6;
}

Status KeyRing::Add(ApiKey key) {
  if (key.key.empty()) return Status::InvalidArgument("an API key must not be empty");
  for (char c : key.key) {
    if (c == ':' || std::isspace(static_cast<unsigned char>(c)) || c < 0x21 || c > 0x7e) {
      return Status::InvalidArgument("an API key must be printable ASCII without ':' or spaces");
    }
  }
  if (key.scopes == 0) return Status::InvalidArgument("an API key needs at least one scope");
  std::string text = key.key;
  if (!keys_.emplace(text, std::move(key)).second) {
    return Status::AlreadyExists("the same API key was given twice");
  }
  return Status::Ok();
}

const std::vector<ApiKey> KeyRing::Keys() const {
  std::vector<ApiKey> out;
  for (const auto& [text, key] : keys_) out.push_back(key);
  return out;
}

Status KeyRing::Authorize(std::string_view header, Scope scope) const {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  if (header.empty()) {
    return Status::Unauthenticated(
        "missing credentials: send the key with HTTP Basic auth "
        "(key as user name) or as a Bearer token");
  }
  std::string key;
  if (StartsWithIgnoreCase(header, "basic ")) {
    std::string decoded;
    if (!Base64Decode(header.substr(6), decoded)) {
      return Status::Unauthenticated("malformed Basic credentials");
    }
    key = decoded.substr(0, decoded.find(':'));
  } else if (StartsWithIgnoreCase(header, "bearer ")) {
    key = std::string(header.substr(7));
    while (!key.empty() && key.back() == ' ') key.pop_back();
  } else {
    return Status::Unauthenticated("unsupported authorization scheme; use Basic or Bearer");
  }
  auto it = keys_.find(key);
  if (it == keys_.end()) return Status::Unauthenticated("unknown API key");
  uint8_t scopes = it->second.scopes;
  if ((scopes & static_cast<uint8_t>(Scope::kAdmin)) != 0) return Status::Ok();
  if ((scopes & static_cast<uint8_t>(scope)) == 0) {
    const char* needed = scope == Scope::kWrite  ? "write"
                         : scope == Scope::kRead ? "read"
                                                 : "admin";
    return Status::PermissionDenied(std::string("this key lacks the '") + needed + "' scope");
  }
  return Status::Ok();
}

Status KeyRing::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot read keys file " + path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(text.str(), ec);
  if (ec || !root.is_object()) return Status::InvalidArgument(path + ": not a JSON object");
  auto* keys = root.as_object().if_contains("keys");
  if (keys == nullptr || !keys->is_array())
    return Status::InvalidArgument(path + ": no 'keys' array");
  for (const auto& item : keys->as_array()) {
    if (!item.is_object()) return Status::InvalidArgument(path + ": a key entry is not an object");
    const auto& object = item.as_object();
    ApiKey key;
    auto* text_field = object.if_contains("key");
    auto* scopes = object.if_contains("scopes");
    if (text_field == nullptr || !text_field->is_string() || scopes == nullptr ||
        !scopes->is_array()) {
      return Status::InvalidArgument(path + ": each key needs 'key' and 'scopes'");
    }
    key.key = std::string(text_field->as_string());
    if (auto* name = object.if_contains("name"); name != nullptr && name->is_string()) {
      key.name = std::string(name->as_string());
    }
    for (const auto& scope : scopes->as_array()) {
      if (!scope.is_string()) return Status::InvalidArgument(path + ": scopes must be strings");
      ASSIGN_OR_RETURN(uint8_t bit, ParseScope(std::string_view(scope.as_string())));
      key.scopes |= bit;
    }
    RETURN_IF_ERROR(Add(std::move(key)));
  }
  return Status::Ok();
}

Status KeyRing::SaveFile(const std::string& path) const {
  boost::json::array keys;
  for (const auto& [text, key] : keys_) {
    boost::json::array scopes;
    if (key.scopes & static_cast<uint8_t>(Scope::kWrite)) scopes.emplace_back("write");
    if (key.scopes & static_cast<uint8_t>(Scope::kRead)) scopes.emplace_back("read");
    if (key.scopes & static_cast<uint8_t>(Scope::kAdmin)) scopes.emplace_back("admin");
    keys.push_back(boost::json::object{{"key", text}, {"name", key.name}, {"scopes", scopes}});
  }
  std::string text = boost::json::serialize(boost::json::object{{"keys", keys}}) + "\n";
  std::string tmp = path + ".tmp";
  // Created 0600 from the start (never readable by others), synced before it replaces the old file.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("cannot create " + tmp);
  bool written = ::fchmod(fd, 0600) == 0 &&
                 ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(tmp.c_str());
    return Status::IoError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return Status::IoError("cannot rename " + tmp);
  return Status::Ok();
}

std::string GenerateApiKey() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;  // /dev/urandom on Linux
  std::uniform_int_distribution<int> pick(0, sizeof(kAlphabet) - 2);
  std::string key;
  for (int k = 0; k < 32; ++k) key.push_back(kAlphabet[pick(device)]);
  return key;
}

}  // namespace mercato

#pragma once
// API keys and their scopes. A write key (what Segment calls a source's write key) may only send
// events; a read key reads profiles; an admin key may do everything. Credentials come as Segment
// sends them — HTTP Basic with the key as user name and an empty password — or as
// "Authorization: Bearer <key>".
//
// Thread safety: Add* before serving; Authorize is then safe from any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace mercato {

enum class Scope : uint8_t { kWrite = 1, kRead = 2, kAdmin = 4 };

struct ApiKey {
  std::string key;
  std::string name;
  uint8_t scopes = 0;  // bit set of Scope
};

class KeyRing {
 public:
  // InvalidArgument for an empty key, a key with ':' or whitespace, or a duplicate.
  Status Add(ApiKey key);
  size_t size() const { return keys_.size(); }
  const std::vector<ApiKey> Keys() const;

  // Ok when the Authorization header names a key holding `scope` (admin holds every scope).
  // Unauthenticated (401) when the header is missing, malformed or names no key; PermissionDenied
  // (403) when the key lacks the scope.
  Status Authorize(std::string_view authorization_header, Scope scope) const;

  // Loads {"keys":[{"key":"...","name":"...","scopes":["write","read","admin"]}]}.
  Status LoadFile(const std::string& path);
  // Writes the ring in the same format with mode 0600.
  Status SaveFile(const std::string& path) const;

 private:
  std::unordered_map<std::string, ApiKey> keys_;
};

// A random key: 32 characters of [A-Za-z0-9] from the OS's entropy source.
std::string GenerateApiKey();

// Decodes standard base64 (with padding); false on invalid input.
bool Base64Decode(std::string_view in, std::string& out);

}  // namespace mercato

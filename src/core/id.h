#pragma once
// Identifier generation.

#include <string>
#include <string_view>

namespace mercato {

// A random RFC 4122 version-4 UUID in lowercase text form. Safe from any thread.
std::string NewUuid();

// Whether `id` is a slug id as journeys, steps, templates, endpoints and audiences use: 1 to
// `max_bytes` characters of a-z, 0-9, '_' and '-', the first a letter or digit.
inline bool IsSlugId(std::string_view id, size_t max_bytes = 64) {
  if (id.empty() || id.size() > max_bytes) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(i > 0 && (c == '-' || c == '_'))) return false;
  }
  return true;
}

}  // namespace mercato

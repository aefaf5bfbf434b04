#pragma once
// SegmentDefinition: a stored segment — id, name, description, the rule's canonical text, its
// version (bumped by every rule edit) and the state of the batch evaluation of that version.
//
// Stored format (segments column family, key "d/" + id), version 1:
//   {"v": 1, "id": "vip-pl", "name": "VIP in Poland", "description": "...",
//    "rule": "<canonical text>", "version": 3, "createdAt": <micros>, "updatedAt": <micros>,
//    "build": {"version": 3, "after": "<customer id>"} | null,   // a batch evaluation under way
//    "builtVersion": 2, "builtAt": <micros>}                      // the last one finished
//
// Thread safety: a plain value.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato::segment {

inline constexpr size_t kMaxIdBytes = 64;
inline constexpr size_t kMaxNameBytes = 200;
inline constexpr size_t kMaxDescriptionBytes = 2000;

struct SegmentDefinition {
  std::string id;
  std::string name;
  std::string description;
  std::string rule;  // canonical text (analytics/rules/printer.h)
  uint64_t version = 1;
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
  bool building = false;    // a batch evaluation of `version` is under way
  std::string build_after;  // its position: the last customer id evaluated (empty: none yet)
  uint64_t built_version = 0;
  int64_t built_at_us = 0;

  std::string Serialize() const;
  // Corruption when `stored` is not a version-1 definition.
  static Result<SegmentDefinition> Parse(std::string_view stored);
  // The API document (docs/api.md, "Segments"): id, name, description, rule, version, size,
  // state ("building" or "ready"), createdAt, updatedAt, builtAt (ISO-8601 or null).
  std::string RenderApiJson(uint64_t size) const;
};

// InvalidArgument unless `id` is 1-64 chars of [a-z0-9_-] starting with a letter or digit.
Status ValidateSegmentId(std::string_view id);
// InvalidArgument unless `name` is 1-200 bytes of valid UTF-8 without control characters.
Status ValidateSegmentName(std::string_view name);
// InvalidArgument when longer than 2000 bytes, not valid UTF-8 or with control characters other
// than newline and tab.
Status ValidateSegmentDescription(std::string_view description);

// A segment id derived from a name: lowercase ASCII letters and digits, other runs of characters
// as one '-', at most 48 chars; "segment" when nothing is left.
std::string SlugFromName(std::string_view name);

}  // namespace mercato::segment

// Text forms shared by the journey definition's parser and printer (internal to journey/).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "journey/definition.h"

namespace mercato::journey::internal {

inline constexpr int64_t kSecondUs = 1'000'000;
inline constexpr int64_t kMaxWaitUs = int64_t{365} * 86'400 * kSecondUs;

// "45s", "30m", "2h", "7d", "1w": a positive whole number and a unit; nullopt otherwise or when
// longer than 365 days.
std::optional<int64_t> ParseDuration(std::string_view text);
// The shortest such text: the largest unit that divides `micros` (a whole number of seconds).
std::string FormatDuration(int64_t micros);

// "HH:MM", 00:00-23:59, as minutes after midnight.
std::optional<int> ParseTimeOfDay(std::string_view text);
std::string FormatTimeOfDay(int minutes);

std::string_view FilterOpText(PropertyFilter::Op op);
std::optional<PropertyFilter::Op> ParseFilterOp(std::string_view text);
std::optional<Channel> ParseChannel(std::string_view text);

// 1-64 chars of [a-z0-9_-], the first a letter or digit (journey, step, segment, template,
// endpoint and audience ids).
bool IsValidId(std::string_view id);

}  // namespace mercato::journey::internal

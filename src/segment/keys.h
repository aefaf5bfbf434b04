#pragma once
// Key codecs of the segment module (segments column family; docs/formats/segments.md). Segment ids
// are 1-64 chars of [a-z0-9_-]; customer ids are 16 lowercase hex chars (profile/keys.h), so '/'
// never occurs inside either and prefixes are unambiguous.
//
//   "d/" id                        -> definition JSON (segment/definition.h)
//   "n/" id                        -> member count (u64 BE)
//   "m/" id "/" customer           -> entered at (int64 ordered, micros)
//   "c/" customer "/" id           -> empty (the customer's memberships: erasure, merges)
//   "h/" id "/" at (int64 ordered) -> size history point JSON {"size", "version", "reason"}
//   "t/" due (int64 ordered) id "/" customer -> empty (re-check timer)
//   "u/" id "/" customer           -> due (int64 ordered): the timer currently set
//   "e/" customer                   -> empty: every segment has evaluated this customer once
//   meta: "cursor/segments/" partition (u32 BE) -> next log offset to process (u64 BE)
//   meta: "cursor/segments/models" -> the PredictionStore::LastUpdated the engine acted on
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

namespace mercato::segment {

std::string DefinitionKey(std::string_view id);
std::string CountKey(std::string_view id);
std::string MemberPrefix(std::string_view id);
std::string MemberKey(std::string_view id, std::string_view customer);
std::string CustomerPrefix(std::string_view customer);
std::string CustomerKey(std::string_view customer, std::string_view id);
std::string HistoryPrefix(std::string_view id);
std::string HistoryKey(std::string_view id, int64_t at_us);
inline constexpr std::string_view kTimerPrefix = "t/";
std::string TimerKey(int64_t due_us, std::string_view id, std::string_view customer);
std::string TimerIndexPrefix(std::string_view id);
std::string TimerIndexKey(std::string_view id, std::string_view customer);
std::string CursorKey(uint32_t partition);
std::string SeenKey(std::string_view customer);
inline constexpr std::string_view kModelsSeenKey = "cursor/segments/models";

// A timer key's parts; false when `key` is not one.
bool ParseTimerKey(std::string_view key, int64_t& due_us, std::string_view& id,
                   std::string_view& customer);

std::string EncodeMicros(int64_t micros);
// 0 when `value` is not 8 bytes.
int64_t DecodeMicros(std::string_view value);

}  // namespace mercato::segment

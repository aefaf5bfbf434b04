#pragma once
// Key codecs of the journey engine (docs/formats/journeys.md). Journey ids are 1-64 chars of
// [a-z0-9_-] and customer ids 16 lowercase hex chars, so '/' never occurs inside either.
//
// journey_state column family (JourneyEngine):
//   "s/" journey "/" customer              -> JourneyState (journey_state.h)
//   "c/" customer "/" journey              -> empty: the customer's journeys (events, erasure)
//   "t/" due (int64 ordered) journey "/" customer -> empty: a timer; the state names the due
//                                             time it waits for, so a stale timer is ignored
//   "k/" journey "/" step "/" counter       -> u64 BE: engine counters per step
//   "r/" journey                            -> {"due", "cursor"}: the journey's next schedule
//                                             run, and how far through its audience it is
//   meta: "cursor/journeys/" partition (u32 BE) -> next log offset to process (u64 BE)
// outbox column family (journey/outbox.h, DeliveryWorker):
//   "o/" due (int64 ordered) key             -> OutboxMessage JSON, due for delivery
//   "x/" key                                 -> the delivery's outcome JSON (never sent twice)
//   "q/" key                                 -> dead letter JSON: the message and the reason
//   "k/" journey "/" step "/" variant "/" counter -> u64 BE: delivery counters
//   "a/" customer "/" audience              -> {"email_sha256", "phone_sha256"}: the identifiers
//                                             the customer was added to that ad audience with,
//                                             kept until a removal is delivered
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "journey/outbox.h"

namespace mercato::journey {

std::string StateKey(std::string_view journey, std::string_view customer);
std::string CustomerJourneysPrefix(std::string_view customer);
std::string CustomerJourneyKey(std::string_view customer, std::string_view journey);
inline constexpr std::string_view kEngineTimerPrefix = "t/";
std::string EngineTimerKey(int64_t due_us, std::string_view journey, std::string_view customer);
// False when `key` is not a timer key.
bool ParseEngineTimerKey(std::string_view key, int64_t& due_us, std::string_view& journey,
                         std::string_view& customer);
std::string EngineCounterPrefix(std::string_view journey);
std::string EngineCounterKey(std::string_view journey, std::string_view step,
                             std::string_view counter);
std::string EngineCursorKey(uint32_t partition);
std::string ScheduleKey(std::string_view journey);

inline constexpr std::string_view kOutboxPrefix = "o/";
std::string OutboxKey(int64_t due_us, std::string_view key);
// False when `key` is not an outbox key.
bool ParseOutboxKey(std::string_view stored, int64_t& due_us, std::string_view& key);
std::string DeliveredKey(std::string_view key);
inline constexpr std::string_view kDeadLetterPrefix = "q/";
std::string DeadLetterKey(std::string_view key);
std::string DeliveryCounterPrefix(std::string_view journey);
std::string DeliveryCounterKey(std::string_view journey, std::string_view step,
                               std::string_view variant, std::string_view counter);

std::string AudienceMemberPrefix(std::string_view customer);
std::string AudienceMemberKey(std::string_view customer, std::string_view audience);
// The idempotency key of an audience removal mercato makes by itself (consent withdrawn, customer
// erased), one per (customer, audience, cause). The ':' cannot occur in a journey id, so these
// never meet a journey's keys.
std::string AudienceRemovalKey(std::string_view customer, std::string_view audience,
                               std::string_view cause);
// An outbox message that removes the customer from `audience` for a privacy reason: no journey,
// `value` holds the member's identifiers (`member_json`, from the "a/" record), so it can be
// delivered after the profile is gone.
OutboxMessage AudienceRemoval(std::string_view customer, std::string_view audience,
                              std::string_view cause, std::string_view member_json, int64_t now_us);

// The idempotency key of the message a send step makes: one per (journey, customer, entry,
// version, step), the same however often the step is replayed.
std::string IdempotencyKey(std::string_view journey, std::string_view customer, uint32_t entry,
                           uint64_t version, std::string_view step);

}  // namespace mercato::journey

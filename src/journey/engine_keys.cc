#include "journey/engine_keys.h"

#include <boost/json/parse.hpp>

#include "core/big_endian.h"

namespace mercato::journey {
namespace {

std::string Join(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  std::string key(prefix);
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) key.push_back('/');
    key.append(part);
    first = false;
  }
  return key;
}

}  // namespace

std::string StateKey(std::string_view journey, std::string_view customer) {
  return Join("s/", {journey, customer});
}

std::string CustomerJourneysPrefix(std::string_view customer) { return Join("c/", {customer, ""}); }

std::string CustomerJourneyKey(std::string_view customer, std::string_view journey) {
  return Join("c/", {customer, journey});
}

std::string EngineTimerKey(int64_t due_us, std::string_view journey, std::string_view customer) {
  std::string key(kEngineTimerPrefix);
  PutInt64Ordered(key, due_us);
  key.append(journey).push_back('/');
  key.append(customer);
  return key;
}

bool ParseEngineTimerKey(std::string_view key, int64_t& due_us, std::string_view& journey,
                         std::string_view& customer) {
  if (!key.starts_with(kEngineTimerPrefix) || key.size() < kEngineTimerPrefix.size() + 8 + 3) {
    return false;
  }
  due_us = GetInt64Ordered(key.substr(kEngineTimerPrefix.size(), 8));
  std::string_view rest = key.substr(kEngineTimerPrefix.size() + 8);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return false;
  journey = rest.substr(0, slash);
  customer = rest.substr(slash + 1);
  return true;
}

std::string EngineCounterPrefix(std::string_view journey) { return Join("k/", {journey, ""}); }

std::string EngineCounterKey(std::string_view journey, std::string_view step,
                             std::string_view counter) {
  return Join("k/", {journey, step, counter});
}

std::string EngineCursorKey(uint32_t partition) {
  std::string key = "cursor/journeys/";
  PutFixed32BE(key, partition);
  return key;
}

std::string OutboxKey(int64_t due_us, std::string_view key) {
  std::string out(kOutboxPrefix);
  PutInt64Ordered(out, due_us);
  out.append(key);
  return out;
}

bool ParseOutboxKey(std::string_view stored, int64_t& due_us, std::string_view& key) {
  if (!stored.starts_with(kOutboxPrefix) || stored.size() <= kOutboxPrefix.size() + 8) {
    return false;
  }
  due_us = GetInt64Ordered(stored.substr(kOutboxPrefix.size(), 8));
  key = stored.substr(kOutboxPrefix.size() + 8);
  return true;
}

std::string DeliveredKey(std::string_view key) { return Join("x/", {key}); }

std::string DeadLetterKey(std::string_view key) { return Join(kDeadLetterPrefix, {key}); }

std::string DeliveryCounterPrefix(std::string_view journey) { return Join("k/", {journey, ""}); }

std::string DeliveryCounterKey(std::string_view journey, std::string_view step,
                               std::string_view variant, std::string_view counter) {
  return Join("k/", {journey, step, variant, counter});
}

std::string IdempotencyKey(std::string_view journey, std::string_view customer, uint32_t entry,
                           uint64_t version, std::string_view step) {
  const std::string entry_text = std::to_string(entry);
  const std::string version_text = std::to_string(version);
  return Join("", {journey, customer, entry_text, version_text, step});
}

std::string ScheduleKey(std::string_view journey) { return Join("r/", {journey}); }

std::string AudienceMemberPrefix(std::string_view customer) { return Join("a/", {customer, ""}); }

std::string AudienceMemberKey(std::string_view customer, std::string_view audience) {
  return Join("a/", {customer, audience});
}

std::string AudienceRemovalKey(std::string_view customer, std::string_view audience,
                               std::string_view cause) {
  return Join("privacy:audience-remove/", {customer, audience, cause});
}

OutboxMessage AudienceRemoval(std::string_view customer, std::string_view audience,
                              std::string_view cause, std::string_view member_json,
                              int64_t now_us) {
  OutboxMessage message;
  message.key = AudienceRemovalKey(customer, audience, cause);
  message.version = 1;
  message.entry = 1;
  message.customer = customer;
  message.channel = Channel::kAudienceRemove;
  message.audience = audience;
  boost::system::error_code ec;
  message.value = boost::json::parse(member_json, ec);
  if (ec) message.value = nullptr;
  message.created_at_us = now_us;
  return message;
}

}  // namespace mercato::journey

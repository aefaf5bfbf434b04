#pragma once
// OutboxMessage: an action a journey step decided on, written in the same WriteBatch as the state
// change that caused it (the transactional outbox), and carried out by a delivery worker
// (pipeline/delivery.h). Stored under OutboxKey(due, key) in the outbox column family as JSON,
// version 1:
//   {"v": 1, "key", "journey", "version", "step", "entry", "customer", "kind", "template",
//    "endpoint", "audience", "trait", "value", "variant", "createdAt", "attempts", "lastError"}
// `kind` is a channel name (journey/definition.h ChannelName) or "set_trait". The key is the
// idempotency key (engine_keys.h IdempotencyKey): a delivery worker records every key it has
// finished with, so a message replayed after a crash is never delivered twice.
//
// Thread safety: plain value.

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "journey/definition.h"

namespace mercato::journey {

struct OutboxMessage {
  std::string key;
  std::string journey;
  uint64_t version = 0;
  std::string step;
  uint32_t entry = 0;
  std::string customer;
  std::optional<Channel> channel;  // nullopt: set a trait
  std::string tmpl;
  std::string endpoint;
  std::string audience;
  std::string trait;
  boost::json::value value;  // set_trait: the new value (null removes)
  std::string variant;       // the split variant the customer took, if any
  int64_t created_at_us = 0;
  uint32_t attempts = 0;  // failed attempts so far
  std::string last_error;

  std::string Serialize() const;
  // Corruption when `stored` is not a version-1 message.
  static Result<OutboxMessage> Parse(std::string_view stored);
};

}  // namespace mercato::journey

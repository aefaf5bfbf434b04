#pragma once
// Read-only reports over the outbox column family the delivery worker writes (pipeline/delivery.h,
// key layout in journey/engine_keys.h): the dead-letter list, paged, and delivery outcome totals
// summed over every journey, step and variant.
//
// Both read the store directly and may run beside a DeliveryWorker; a report made while it works
// is a snapshot of some moment. Dead letters hold message details (customer, template, the
// receiver's error), so callers expose them to admins only.
//
// Thread safety: the functions are safe from any thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "journey/outbox.h"
#include "storage/store.h"

namespace mercato {

struct DeadLetter {
  // The message's idempotency key (journey/customer/entry/version/step). A message the worker
  // could not parse was set aside as "malformed/" + its outbox key in hex.
  std::string key;
  std::string reason;  // "refused: ...", "gave up after 6 attempts: ...", or why it is unreadable
  int64_t at_us = 0;   // when it was dead-lettered; 0 when unknown
  // The message as it was last tried (attempts and last error included); nullopt when unreadable.
  std::optional<journey::OutboxMessage> message;
};

struct DeadLetterPage {
  std::vector<DeadLetter> letters;  // in key order
  std::string next_cursor;          // empty on the last page
};

// Up to `limit` (1..1000) dead letters after `cursor` (empty: from the first; otherwise the
// next_cursor of an earlier page: opaque text, hex of the last key shown). InvalidArgument for a
// cursor that is not one or a limit out of range; IoError when the store cannot be read. A letter
// whose stored JSON is unreadable is listed with a reason saying so rather than failing the page.
Result<DeadLetterPage> ListDeadLetters(Store& store, std::string_view cursor, size_t limit);

struct DeliverySummary {
  // The delivery counters of every journey, by name: "delivered" (the counter "sent"), "retried",
  // "dead", "skipped" (every guard), "inDoubt", "alreadyFinished" — always present — and any other
  // delivery counter under its own name.
  std::map<std::string, uint64_t> outcomes;
  std::map<std::string, uint64_t> skipped_by;  // "skipped/<guard>" by guard
  uint64_t dead_letters = 0;                   // entries of the dead-letter list now
  uint64_t queued = 0;                         // messages waiting in the outbox now
};

// Sums the delivery counters of every journey ("k/" in the outbox) and counts the dead-letter list
// and the queued messages. Corruption for a malformed counter; IoError when the store cannot be
// read.
Result<DeliverySummary> SummarizeDeliveries(Store& store);

}  // namespace mercato

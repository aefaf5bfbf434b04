#pragma once
// Send-time guards of the delivery worker (delivery.h): suppression, consent, frequency caps and
// quiet hours, and the records they read (outbox column family):
//   "u/" customer "/" channel              -> the suppression reason
//   "f/" customer "/" channel "/" at (int64 ordered) -> empty: one delivered message (caps)
//
// Thread safety: pure functions over the store (safe from any thread).

#include <rocksdb/write_batch.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "journey/outbox.h"
#include "pipeline/delivery.h"
#include "privacy/consent.h"

namespace mercato {

struct GuardContext {
  Store& store;
  const DeliveryOptions& options;
};

std::string SuppressionKey(std::string_view customer, std::string_view channel);

// "" when the message may go now; otherwise the guard that refuses it ("suppressed", "consent",
// "frequency_cap"), or, with `defer_until` set past `now_us`, the guard that defers it
// ("quiet_hours"). `customer` is the live customer id.
Result<std::string> CheckGuards(const GuardContext& context, const journey::OutboxMessage& message,
                                std::string_view customer, int64_t now_us, int64_t& defer_until);

// Whether the customer's consent (or the default) allows `purpose` now.
Result<bool> ConsentAllows(Store& store, std::string_view customer, Purpose purpose,
                           const ConsentDefaults& defaults);

// Stages the record of a delivered message for the frequency cap, and drops records older than
// the cap's window.
void RecordSend(Store& store, rocksdb::WriteBatch& batch, std::string_view customer,
                std::string_view channel, int64_t now_us, const DeliveryOptions& options);

// Deletes the customer's suppressions and send records, and replaces each ad-audience membership
// with a queued removal that carries the member's identifiers (so it can be delivered once the
// profile is gone); returns how many records went.
Result<size_t> EraseGuardRecords(Store& store, std::string_view customer, int64_t now_us);

// The next time after `now_us` at which it is `minute` minutes past midnight UTC.
int64_t NextUtcMinute(int64_t now_us, int minute);

}  // namespace mercato

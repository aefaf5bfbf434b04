#pragma once
// ProfileBuilder: the log consumer that maintains the identity graph, customer profiles and
// per-customer event histories (docs/formats/keys.md, docs/formats/profile.md).
//
// Each call to ProcessBatch reads up to `max_events` records past the persisted cursors and writes
// every state change they cause together with the new cursor positions in one WriteBatch, so a
// crash at any point either applies a record fully or not at all: processing is idempotent and
// exactly-once in effect over an at-least-once log.
//
// Identity resolution and merge rules: profile/batch_overlay.h. Stored formats: profile/keys.h and
// profile/profile_state.h. Metrics (when `metrics` is not null):
// mercato_profile_events_processed_total, mercato_profile_events_skipped_total,
// mercato_profile_batch_seconds and the gauge mercato_consumer_lag{consumer="profiles"}; the
// registry may outlive the builder. `log` must outlive the builder.
//
// Thread safety: one ProfileBuilder per store. ProcessBatch and Erase are serialised by a mutex
// (the consumer thread runs one, the erasure service the other); Lag() and Cursors() are safe
// from any thread.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "privacy/key_vault.h"
#include "profile/customer_erasure.h"
#include "storage/event_log.h"
#include "storage/store.h"

namespace mercato {

class ProfileBuilder {
 public:
  // `vault` decrypts e-mails for identity stitching and holds the keys Erase destroys.
  ProfileBuilder(Store& store, const EventLog& log, KeyVault& vault, const Clock& clock,
                 MetricsRegistry* metrics);
  ~ProfileBuilder();

  // Processes up to `max_events` pending records across partitions (a fair share of the budget
  // per partition first, then the rest). Returns how many records were consumed (0 when caught
  // up); undecodable records are consumed, logged and counted in
  // mercato_profile_events_skipped_total rather than stalling their partition. On error (store
  // read or write failure, corrupt stored state) nothing of this call is stored and cursors do not
  // move; calling again retries the same records.
  Result<size_t> ProcessBatch(size_t max_events = 4096);

  // Cluster mode: identities of other partitions are linked by records appended to `log` (the
  // log this builder reads), as profile/batch_overlay.h "Routed mode" says. Each batch's records
  // are appended, durably, before its state is written; a failed append fails the batch (nothing
  // stored, retried). Call before the first ProcessBatch.
  void EnableIdentityRouting(EventLog& log);

  // Records not yet processed, summed over partitions (consumer lag).
  uint64_t Lag() const;
  // The next offset to process, per partition.
  std::vector<uint64_t> Cursors() const;

  // Erases the customer `customer_id` resolves to (a merged customer's id leads to the survivor):
  // destroys the data keys of all its identities (so every encrypted copy of its personal values,
  // wherever it lies, becomes unreadable), then deletes in one synced write its profile and the
  // redirects of customers merged into it, its identity index entries, its history rows and the
  // log records they came from. Records of the customer still unprocessed in the log are not
  // touched: callers wait for the builder to pass them first (pipeline/erasure_service.h).
  // NotFound when there is no such customer. Idempotent after a crash between the two writes.
  Result<CustomerErasure> Erase(std::string_view customer_id);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mercato

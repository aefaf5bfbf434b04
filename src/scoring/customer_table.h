#pragma once
// CustomerTable: every live customer of a node's store with their order history, the input of the
// model runs (scoring/runs.h). One full scan of the profiles and events column families, read from
// one RocksDB snapshot.
//
// - Live customers only: redirect profiles ({"mergedInto": ...}) are skipped; their history rows
//   have moved under the survivor.
// - Consent: a customer whose profiling consent (privacy/consent.h, Purpose::kProfiling, with the
//   given ConsentDefaults, as ProfileState::RenderApiJson decides it) is not given goes to
//   `excluded` and contributes nothing to any model.
// - Orders: track "Order Completed" events are purchases (amount = profile::OrderRevenue of their
//   properties; orders without a readable amount count as 0), "Order Refunded" refunds (amount
//   negative whatever its sign in the event). Units = sum of products[].quantity when products are
//   listed. Transactions are ordered by event time (the key order of the events column family).
//
// Cost: O(events) time; memory O(orders + customers). The progress callback is called with
// (customers done, estimated total) every 1,000 customers and once at the end.
//
// Thread safety: LoadCustomerTable only reads; it may run next to the profile consumer (the
// snapshot keeps the view consistent).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analytics/customer/transactions.h"
#include "core/status.h"
#include "privacy/consent.h"
#include "storage/store.h"

namespace mercato::scoring {

using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

struct CustomerRecord {
  analytics::customer::CustomerHistory history;  // customer id and transactions, time-ordered
  uint64_t events = 0;                           // every event of the profile
  int64_t first_seen_us = 0;
};

struct CustomerTable {
  std::vector<CustomerRecord> customers;  // with profiling consent, ascending by customer id
  std::vector<std::string> excluded;      // live customers without profiling consent
  uint64_t orders = 0;                    // transactions read (orders and refunds)

  // The histories of `customers`, in the same order (copies).
  std::vector<analytics::customer::CustomerHistory> Histories() const;
};

struct CustomerTableOptions {
  ConsentDefaults consent;
  ProgressFn progress;  // may be empty
};

// Reads the table. Corruption when a stored profile or event cannot be parsed; IoError from
// RocksDB.
Result<CustomerTable> LoadCustomerTable(Store& store, const CustomerTableOptions& options = {});

}  // namespace mercato::scoring

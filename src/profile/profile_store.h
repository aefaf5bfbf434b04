#pragma once
// ProfileStore: reads customer profiles and histories built by ProfileBuilder. Read-only; safe from
// any thread (each call reads a consistent RocksDB snapshot).

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "privacy/consent.h"
#include "privacy/key_vault.h"
#include "storage/store.h"

namespace mercato {

struct EventPage {
  std::vector<std::string> events;  // normalised event JSON, oldest first
  std::string next_cursor;          // empty when this is the last page
};

class ProfileStore {
 public:
  // `vault` decrypts personal values for the API (and derives the pseudonyms of identities).
  ProfileStore(Store& store, const KeyVault& vault, const Clock& clock)
      : store_(store), vault_(vault), clock_(clock) {}

  // Resolves `id` as, in order: userId, anonymousId, e-mail (case-insensitive), customer id.
  // Returns the customer id of the (merged) customer, or NotFound.
  Result<std::string> Resolve(std::string_view id) const;

  // The profile as JSON (docs/api.md, "Profile"), following redirects of merged customers:
  //   {"customerId": "...", "identities": [{"type": "userId"|"anonymousId"|"email", "value": ...}],
  //    "traits": {...},
  //    "features": {"first_seen", "last_seen" (ISO), "event_counts": {type: n},
  //                 "events": {track event name: n}, "orders", "refunds", "revenue",
  //                 "average_order_value", "last_order_at" (ISO|null),
  //                 "top_categories": [{"category", "count"}] (top 5),
  //                 "cart": [{"product_id", "name", "price", "quantity", "image_url", "url",
  //                           "added_at"}] (profile/cart.h), "cart_value",
  //                 "active_hours_utc" (24 counts of events by UTC hour), "preferred_device",
  //                 "preferred_country" (null when unknown),
  //                 "rfm": {"recency_days" (days since last_order_at, 2 decimals; null
  //                                          without orders),
  //                         "frequency" (= orders), "monetary" (= revenue)}},
  //    "consent": {"<purpose>": {"granted", "decided", "at" (ISO|null), "source"}},
  //    "mergedFrom": ["<customer id>", ...],
  //    "predictions": <Predictions::RenderApiJson: model outputs, null when unscored or without
  //                    consent to profiling>}
  // Personal values are decrypted; those whose data key is destroyed read as null.
  // NotFound when there is no such customer; Corruption when its stored profile cannot be read.
  Result<std::string> ProfileJson(std::string_view customer_id) const;

  // The customer's model outputs (profile/prediction_store.h), following redirects:
  // {"customerId", "churn_probability", "p_alive", "clv", "expected_purchases_90d", "rfm_score",
  //  "rfm_segment", "cluster", "scoredAt", "runs"?}; every field null when unscored or without
  // consent to profiling. NotFound when there is no such customer.
  Result<std::string> PredictionsJson(std::string_view customer_id) const;

  // Up to `limit` (1..1000) events of the customer, oldest first (newest first with
  // `newest_first`), starting after `cursor` in that order (empty = from the beginning; otherwise
  // a next_cursor of an earlier page in the same order, which stays valid when the customer is
  // merged). InvalidArgument for a malformed cursor or limit, NotFound for an unknown customer.
  Result<EventPage> Events(std::string_view customer_id, std::string_view cursor, size_t limit,
                           bool newest_first = false) const;

  // Everything held about the customer as one JSON document (right of access and portability,
  // docs/privacy.md): {"customerId", "exportedAt", "profile": <ProfileJson>, "events": [every
  // history event, oldest first, decrypted]}. NotFound for an unknown customer.
  Result<std::string> ExportJson(std::string_view customer_id) const;

  // Number of customers (profiles that were not merged into another), and of those with a userId.
  struct Counts {
    uint64_t customers = 0;
    uint64_t known_customers = 0;
  };
  Result<Counts> CountCustomers() const;

  // Totals over every live customer, or only those with a userId (a full scan that parses each
  // profile; for reports, the stats endpoint and tests, not for request paths that need to be
  // fast). Every figure counts the same customers.
  struct ConsentCounts {
    uint64_t granted = 0;
    uint64_t denied = 0;
    uint64_t undecided = 0;  // no decision recorded: the purpose's default applies
  };
  struct Totals {
    uint64_t customers = 0;
    uint64_t known_customers = 0;
    uint64_t events = 0;
    uint64_t orders = 0;
    uint64_t refunds = 0;
    int64_t revenue_micros = 0;  // net revenue in 1e-6 currency units
    // Customers last seen at most 30 days before the clock's now (or later).
    uint64_t active_30d = 0;
    // The customers' recorded consent decisions, indexed by Purpose (privacy/consent.h).
    std::array<ConsentCounts, kPurposeCount> consent{};
  };
  Result<Totals> ComputeTotals(bool known_only = false) const;

  // Cluster mode: ComputeTotals counts only the customers whose home identity (their first
  // userId, else their first anonymousId: what their events are routed by) `owns` accepts, so
  // that a partition this node held before a rebalance is not counted twice. Set before use.
  void CountOnlyOwned(std::function<bool(std::string_view routing_value)> owns) {
    owns_ = std::move(owns);
  }

 private:
  Store& store_;
  const KeyVault& vault_;
  const Clock& clock_;
  std::function<bool(std::string_view)> owns_;
};

}  // namespace mercato

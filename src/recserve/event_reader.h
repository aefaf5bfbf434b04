#pragma once
// Reading what recommendations need out of the stored events (the events column family, one row
// per event under its customer, in time order: profile/keys.h):
//  - ReadTrainingData: every live customer's product views, split into sessions, for training;
//  - ReadLiveActivity: one customer's current session, purchases and context, per request.
// Both read a consistent RocksDB snapshot and may run next to the profile consumer.
//
// A product view is a track event whose name catalog::ActionOf maps to kView ("Product Viewed",
// "Product Clicked"), for each product it mentions (catalog/event_products.h). Purchases are
// "Order Completed" products. Customers are read only with consent to personalisation
// (privacy/consent.h, with the given defaults): the others are counted and skipped.
//
// Thread safety: pure functions over the store (RocksDB is thread-safe).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "catalog/event_products.h"
#include "core/status.h"
#include "privacy/consent.h"
#include "recserve/training_data.h"
#include "storage/store.h"

namespace mercato::recserve {

inline constexpr int64_t kDefaultSessionGapUs = int64_t{30} * 60 * 1'000'000;

// The fields of one stored event that recommendations use; nullopt for events without products.
struct ProductEvent {
  catalog::ProductAction action = catalog::ProductAction::kOther;
  std::vector<catalog::ProductMention> products;
  std::string device;                         // context.device.type, lowercased
  std::string country;                        // context.location.country, uppercased
  std::optional<double> latitude, longitude;  // context.location
};
std::optional<ProductEvent> ReadProductEvent(std::string_view payload);

struct TrainingReadOptions {
  ConsentDefaults consent;
  int64_t session_gap_us = kDefaultSessionGapUs;
  size_t max_session_clicks = 200;  // longer sessions keep their most recent clicks
  // Called with the products every product event mentions and its time (catalog learning);
  // may be empty.
  std::function<void(std::span<const catalog::ProductMention>, int64_t time_us)> on_products;
};

// Corruption for an unreadable profile; IoError from RocksDB. Stored events that are not JSON
// are skipped (they cannot hold product views).
Result<TrainingData> ReadTrainingData(Store& store, const TrainingReadOptions& options,
                                      int64_t now_us);

struct LiveActivity {
  bool personalisation = true;       // the customer's consent (with the defaults)
  std::vector<std::string> session;  // item ids viewed in the current session, oldest first
  std::unordered_set<std::string> purchased;  // items of orders among the events read
  std::string device, country;                // of the most recent event that had them
  std::optional<double> latitude, longitude;
};

struct LiveReadOptions {
  ConsentDefaults consent;
  int64_t session_gap_us = kDefaultSessionGapUs;
  size_t max_events = 300;  // newest events read; older purchases are not seen
  size_t max_session_clicks = 50;
};

// `customer_id` is a resolved customer id (ProfileStore::Resolve). The current session is the
// run of views ending within session_gap of `now_us` with no gap longer than session_gap between
// them. NotFound when the customer has no profile.
Result<LiveActivity> ReadLiveActivity(Store& store, std::string_view customer_id, int64_t now_us,
                                      const LiveReadOptions& options);

}  // namespace mercato::recserve

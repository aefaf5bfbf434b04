#pragma once
// A deterministic synthetic e-commerce shop: customers with latent segments browse, add to cart
// and buy from a product catalogue, and every action becomes a valid Segment message. Used to fill
// a log for demos, load tests and as ground truth for segmentation/churn experiments (the latent
// segment and churn date of each customer are known, see ShopCustomers()).
//
// Determinism: one ShopOptions value always produces the same events with byte-identical payloads
// (messageId "gen-<seed>-<n>", receivedAt = the event's own time), on the same platform; see
// generator/rng.h for why different libm versions may differ in the last ulp.
//
// Shape of the data (generator/README.md has the numbers):
//  - products: 12 categories with log-normal prices ("x.99"), Zipf-like popularity;
//  - customers: segments (loyal big spender, bargain hunter, window shopper, one-time buyer,
//    churner) drive session frequency, basket size, price sensitivity and churn; half exist at the
//    start, the rest arrive over the first 80% of the period;
//  - time: sessions start between 07:00 and 22:00 UTC and end the same day; weekly seasonality
//    (weekends busier) and a holiday-like peak around 80% of the period;
//  - a session: "page", "Product Viewed"..., "Product Added", "Checkout Started",
//    "Order Completed" (Segment e-commerce spec v2). Customers are anonymous (anonymousId) until an
//    "identify" with userId and traits, which happens at the first checkout or at a sign-up;
//    later events carry both ids.
// Events are emitted in non-decreasing timestamp order (ties broken by customer, then sequence).
//
// Thread safety: pure functions of their options; safe from any thread.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "event/event.h"
#include "event/parser.h"

namespace mercato {

struct ShopOptions {
  uint64_t seed = 42;
  int customers = 2000;                         // 1 .. 10,000,000
  int products = 300;                           // 1 .. 1,000,000
  int days = 120;                               // 1 .. 3650
  int64_t start_us = 1767225600LL * 1'000'000;  // 2026-01-01T00:00:00Z; midnight of day 0
  // Applied to each event as it is normalised (the privacy filter, when generating into a store).
  PayloadTransform transform;
};

enum class ShopSegment {
  kLoyalBigSpender,
  kBargainHunter,
  kWindowShopper,
  kOneTimeBuyer,
  kChurner
};
inline constexpr int kShopSegmentCount = 5;
// "loyal_big_spender", "bargain_hunter", "window_shopper", "one_time_buyer", "churner".
std::string_view ShopSegmentName(ShopSegment segment);

struct ShopProduct {
  std::string product_id;  // "sku-00042"
  std::string category;
  int64_t price_cents = 0;
  double popularity = 0;  // relative weight, Zipf-like over a random rank
};

struct ShopCustomer {
  int index = 0;
  ShopSegment segment = ShopSegment::kWindowShopper;
  std::string user_id;       // "cust-00042", used from the identify on
  std::string anonymous_id;  // UUID-shaped, derived from the seed
  std::string email;
  std::string first_name;
  std::string last_name;
  std::string plan;             // "free", "plus" or "premium"
  std::string country;          // ISO 3166-1 alpha-2
  std::string locale;           // "en-US", ...
  std::string device_type;      // primary device: "mobile", "desktop" or "tablet"
  int64_t first_active_us = 0;  // midnight of the first day the customer may visit
  // No session starts at or after this instant (churners only; INT64_MAX otherwise). One-time
  // buyers instead stop after their first order, which is not known in advance.
  int64_t churn_us = INT64_MAX;
};

// The catalogue and customer base GenerateShop uses for these options (ground truth for tests and
// model evaluation). InvalidArgument when an option is out of range.
Result<std::vector<ShopProduct>> ShopCatalog(const ShopOptions& options);
Result<std::vector<ShopCustomer>> ShopCustomers(const ShopOptions& options);

// Generates the shop's events in time order, each normalised by NormalizeEvent, and hands them to
// `sink`. Returns Ok after the last event; InvalidArgument for bad options; the sink's error (and
// stops) as soon as the sink fails; Internal if a generated event is rejected by the parser (a
// bug).
Status GenerateShop(const ShopOptions& options, const std::function<Status(Event&&)>& sink);

// Writes the events' payloads to `path`, one JSON object per line (replacing the file). IoError
// when the file cannot be written; the file may then be incomplete.
Status WriteJsonl(const ShopOptions& options, const std::string& path);

}  // namespace mercato

#pragma once
// ProfileState: one customer's profile in memory — identities, traits with the time each was set,
// and the computed features — with its stored JSON form, the event fold and the merge rule.
//
// Stored format (profiles column family, value of key = customer id), version 1. Field order is
// fixed: "known" comes first so that CountCustomers can classify a profile without a full parse.
//
//   {"known": true,                       // has at least one userId identity
//    "v": 1,
//    "identities": ["u:42", "a:anon-1", "e:ann@example.com"],  // identity keys (profile/keys.h)
//    "mergedFrom": ["<customer id>", ...],                     // customers merged into this one
//    "traits": {"<name>": {"v": <any JSON>, "t": <micros of the event that set it>}, ...},
//    "firstSeen": <micros>, "lastSeen": <micros>,              // min / max event timestamp
//    "counts": {"track": n, "identify": n, "page": n, "screen": n, "group": n, "alias": n},
//    "trackEvents": {"<event name>": n, ...},                  // at most 200 distinct names
//    "orders": n,                                              // track "Order Completed"
//    "refunds": n,                                             // track "Order Refunded"
//    "revenueMicros": n,                                       // net revenue in 1e-6 units
//    "lastOrderAt": <micros> | null,
//    "categories": {"<category>": n, ...},                     // top 20 by count
//    "devices": {"<context.device.type>": n, ...},             // top 20 by count
//    "countries": {"<context.location.country>": n, ...},      // top 20 by count
//    "consent": {"<purpose>": {"granted": b, "at": <micros>, "source": "..."}, ...},
//    "emails": {"<e-mail identity key>": <the address as stored: encrypted>, ...},
//    "cart": [...],                                            // profile/cart.h; absent if empty
//    "hours": [n x 24]}   // the customer's events by UTC hour of day (not mercato's own events)
// Identity keys of e-mails are pseudonyms (profile/keys.h); "emails" keeps each address's stored
// (encrypted) value so that the API can show it while the customer's data key exists.
//
// A customer merged into another is replaced by a redirect: {"mergedInto": "<customer id>"}.
// One merged into a customer of another partition (cluster mode) is a stub: {"mergedInto": id,
// "via": "<the survivor's identity key>", "identities": [...], "mergedFrom": [...]}.
// Money is kept in integer micro-units so that sums are exact and identical after any number of
// store round trips.
//
// Thread safety: a plain value; not synchronised.

#include <array>
#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "privacy/consent.h"
#include "privacy/key_vault.h"
#include "profile/cart.h"
#include "profile/event_view.h"

namespace mercato::profile {

inline constexpr size_t kMaxTrackEventNames = 200;
inline constexpr size_t kMaxStoredCategories = 20;
inline constexpr size_t kMaxStoredDevicesOrCountries = 20;
inline constexpr size_t kShownCategories = 5;
// Bounds a profile document that is rewritten on every batch touching the customer; traits with
// new names beyond this are ignored (existing ones still update).
inline constexpr size_t kMaxTraits = 500;

struct Trait {
  boost::json::value value;
  int64_t updated_us = 0;
};

using CountMap = std::map<std::string, uint64_t, std::less<>>;

struct ProfileState {
  std::string id;
  std::string merged_into;  // non-empty: this record is a redirect and nothing else is meaningful
  // Set on a redirect to a customer of another partition (cluster mode, docs/adr/0018): the
  // survivor's identity key there. Such a stub keeps its own "identities" (the keys indexed here,
  // for erasure) and "mergedFrom"; its events go on to the survivor as copies.
  std::string merged_via;

  std::vector<std::string> identities;
  std::vector<std::string> merged_from;
  std::map<std::string, Trait, std::less<>> traits;

  int64_t first_seen_us = 0;  // meaningful once events > 0
  int64_t last_seen_us = 0;
  std::array<uint64_t, 6> event_counts{};  // indexed by EventType
  CountMap track_events;
  uint64_t orders = 0;
  uint64_t refunds = 0;
  int64_t revenue_micros = 0;
  std::optional<int64_t> last_order_at_us;
  CountMap categories;
  CountMap devices;
  CountMap countries;
  ConsentState consent;
  // e-mail identity key -> the address as stored in the event (encrypted with a data key).
  std::map<std::string, boost::json::value, std::less<>> email_values;
  Cart cart;  // the products in the shopping cart (profile/cart.h)
  // The customer's own events (not mercato's: segment changes) by UTC hour of their timestamp:
  // when they are active, for send-time optimisation.
  std::array<uint64_t, 24> active_hours{};

  uint64_t TotalEvents() const;
  bool HasUserId() const;
  bool HasIdentity(std::string_view key) const;
  // What the customer's events are routed by: its first userId, else its first anonymousId
  // (empty when it has neither).
  std::string_view HomeRoutingValue() const;
  void AddIdentity(std::string key);

  // The most frequent context.device.type; nullopt when none was seen.
  std::optional<std::string> PreferredDevice() const;
  // The most frequent context.location.country, else traits.address.country; nullopt when neither.
  std::optional<std::string> PreferredCountry() const;

  // Folds one event into traits and features.
  void Apply(const EventView& event);
  // Takes over everything of `loser` (identities, traits by latest timestamp, summed features,
  // merge history). `loser` is left unchanged; the caller turns it into a redirect.
  void Absorb(const ProfileState& loser);

  // The stored JSON (format above).
  std::string Serialize() const;
  static std::string SerializeRedirect(std::string_view target);
  // A stub: {"mergedInto": target, "via": via, "identities": [...], "mergedFrom": [...]}.
  std::string SerializeStub() const;
  bool IsStub() const { return !merged_via.empty(); }
  // Parses a stored value of customer `id`: a profile, or a redirect (merged_into set).
  // Corruption when it is neither.
  static Result<ProfileState> Parse(std::string_view id, std::string_view stored);
  // Parse for rule evaluation (segment rules, profile_rule_fields.cc): the same result as Parse
  // for the fields rules and segment events read (merged_into, identities, traits, first/last
  // seen, counts, track events, orders, refunds, revenue, last order, devices, countries,
  // consent) without building a JSON document. merged_from, categories, cart, hours and e-mail
  // values are left empty and not validated. Anything it does not expect (escapes in names,
  // fractional counts, duplicate members, a redirect, malformed JSON) goes through Parse.
  static Result<ProfileState> ParseRuleFields(std::string_view id, std::string_view stored);

  // The API document (docs/api.md "Profile", profile/profile_store.h): customerId, identities,
  // traits, features with RFM computed against `now_us` (null without profiling consent), consent,
  // mergedFrom. Values are rendered as held: ProfileStore decrypts personal values first
  // (DecryptPersonal). Numbers are written in shortest decimal form (145.5, not 1.455E2).
  std::string RenderApiJson(int64_t now_us, const ConsentDefaults& defaults = {}) const;

  // Replaces encrypted trait and e-mail values by their plaintext (null when erased).
  Status DecryptPersonal(const KeyVault& vault);
};

// The stored "consent" member (format above) into `out`; Corruption when malformed. Shared by
// Parse and ParseRuleFields.
Status ReadStoredConsent(const boost::json::value& consent, ConsentState& out);

// Order-independent helpers exposed for tests.
// The revenue of an order event: properties.revenue, else properties.total, else the sum of
// products[].price * quantity (quantity 1 when absent). nullopt when none is present.
std::optional<double> OrderRevenue(const boost::json::object* properties);

}  // namespace mercato::profile

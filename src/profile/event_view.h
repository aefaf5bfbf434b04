#pragma once
// EventView: the fields of a normalised event payload (docs/formats/event.md) that profiles use,
// read once from the parsed JSON. Views point into the boost::json::value they were read from,
// which must outlive them.
//
// Thread safety: pure functions.

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "event/event.h"
#include "privacy/consent.h"
#include "privacy/key_vault.h"

namespace mercato::profile {

struct EventView {
  EventType type = EventType::kTrack;
  std::string_view user_id;  // empty when absent
  std::string_view anonymous_id;
  std::string_view previous_id;  // alias only
  std::string_view event_name;   // track only
  int64_t timestamp_us = 0;
  // User traits: identify's "traits" (group traits describe the group, not the user).
  const boost::json::object* traits = nullptr;
  const boost::json::object* context_traits = nullptr;
  const boost::json::object* properties = nullptr;
  std::string_view device_type;  // context.device.type
  std::string_view country;      // context.location.country
  // The normalised e-mail from traits or context.traits (decrypted when stored encrypted; empty
  // when absent or its key is destroyed), and the stored value it came from (for profiles to keep).
  std::string email;
  const boost::json::value* email_value = nullptr;
  std::string_view source;  // the write key's source that sent the event (top-level "source")
  std::vector<std::pair<Purpose, bool>> consent;  // context.consent.categoryPreferences

  // Cluster mode, identities across partitions (docs/adr/0018-cross-partition-identity-merges.md).
  // A copy of another partition's event, sent to the customer `to` ("u:<userId>") that its own
  // customer was merged into: "mercatoForwarded": {"to", "origin": [partition, offset], "kind":
  // "live" | "history", "loser"?}.
  struct Forwarded {
    std::string_view to;
    uint32_t origin_partition = 0;
    uint64_t origin_offset = 0;
    bool history = false;    // moved with the merge (its customer already acted on it)
    std::string_view loser;  // the merged customer's id (history copies)
  };
  std::optional<Forwarded> forwarded;
  // An "Identity Link" record (source "mercato/identity"): `key` (an identity of this partition,
  // "a:<id>" or, for alias, "?:<id>" = "u:" when known else "a:") is to join the customer of `peer`
  // ("u:<userId>" of another partition), whose id there is `peer_customer`.
  struct IdentityLink {
    std::string_view key;
    std::string_view peer;
    std::string_view peer_customer;  // empty on an erase
    bool alias = false;
    // "Identity Erase": the stub `key` names, if it points to `peer`, is to be erased.
    bool erase = false;
  };
  std::optional<IdentityLink> link;
};

// The identity key that names the event's customer: a copy's "to", else "u:<userId>", else
// "a:<anonymousId>".
std::string PrimaryIdentityKey(const EventView& event);

// Reads `root` (the parsed payload), decrypting an encrypted e-mail with `vault` (which may be null
// for payloads without encrypted values). InvalidArgument when it is not an object, has no valid
// "type", neither userId nor anonymousId, or no parsable "timestamp"; the vault's errors other
// than a destroyed key.
Result<EventView> ReadEventView(const boost::json::value& root, const KeyVault* vault = nullptr);

// A string member of `object` (empty when absent or not a string). `object` may be null.
std::string_view StringField(const boost::json::object* object, std::string_view key);
// An object member of `object` (null when absent or not an object). `object` may be null.
const boost::json::object* ObjectField(const boost::json::object* object, std::string_view key);
// A number member, also accepting numeric strings ("12.50"). False when absent or not numeric.
bool NumberField(const boost::json::object* object, std::string_view key, double& out);

}  // namespace mercato::profile

#pragma once
// Validation and normalisation of Segment HTTP Tracking API bodies.
//
// Contract: a body is accepted whole or rejected whole. On success every returned Event is valid
// and its payload is the normalised JSON text. On failure the Status says what is wrong
// (InvalidArgument
// -> 400, PayloadTooLarge -> 413) and `errors` lists each bad event with its index in the batch
// (index -1 means the body as a whole).
//
// Normalisation (docs/formats/event.md):
//  - "type" is set from the route for single-event routes; a conflicting "type" is an error.
//  - "messageId" is generated (UUID v4) when absent.
//  - "originalTimestamp" keeps the client's timestamp; "timestamp" is corrected for client clock
//    skew as Segment does: timestamp = receivedAt - (sentAt - originalTimestamp) when sentAt is
//    given, the client's timestamp otherwise, receivedAt when the client gave none.
//  - "receivedAt" is the server's clock at receipt. Numeric userId/anonymousId become strings.
//  - In a batch, top-level "context" and "integrations" fill in events that lack them, and a
//    top-level "sentAt" applies to events without their own.
// Thread safety: pure functions, safe from any thread.

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "event/event.h"

namespace mercato {

struct IngestLimits {
  size_t max_event_bytes = 32 * 1024;   // one event as received (server-added fields not counted)
  size_t max_batch_bytes = 500 * 1024;  // one request body, after decompression
  size_t max_id_bytes = 1024;           // userId, anonymousId, messageId, groupId, previousId
  size_t max_name_bytes = 1024;         // event name, page/screen name
  unsigned max_depth = 32;              // JSON nesting
};

// Runs on each event after validation and normalisation, before it is serialised: the privacy
// filter (DLP, field encryption) and the gateway (source stamping) change the stored payload here.
// A non-Ok status rejects the event (and so its whole batch) with that status. The event size limit
// applies to the payload before the transform.
using PayloadTransform = std::function<Status(const Event& event, boost::json::object& payload)>;

struct EventError {
  int index = -1;  // position in the batch; -1 for the whole body
  std::string message;
};

// A body for a single-event route (/v1/track, /v1/identify, ...).
Result<Event> ParseSingleEvent(std::string_view body, EventType route_type, int64_t received_at_us,
                               const IngestLimits& limits, std::vector<EventError>& errors,
                               const PayloadTransform& transform = {});

// A /v1/batch body: {"batch": [...], "context"?, "integrations"?, "sentAt"?}.
Result<std::vector<Event>> ParseBatch(std::string_view body, int64_t received_at_us,
                                      const IngestLimits& limits, std::vector<EventError>& errors,
                                      const PayloadTransform& transform = {});

// Validates and normalises one event object already parsed (importers and the batch parser use it).
// `route_type` set means the route fixes the type; otherwise "type" must be in the object.
// `default_sent_at` is a batch-level sentAt (empty when none).
Result<Event> NormalizeEvent(boost::json::object object, std::optional<EventType> route_type,
                             int64_t received_at_us, const IngestLimits& limits,
                             std::string_view default_sent_at = {},
                             const PayloadTransform& transform = {});

}  // namespace mercato

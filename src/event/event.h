#pragma once
// The event model: one validated, normalised Segment message (track, identify, page, screen, group,
// alias). Events travel through the log as their JSON text (`payload`), which keeps every field the
// client sent, unknown ones included, plus the fields the server fills in.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mercato {

enum class EventType { kTrack, kIdentify, kPage, kScreen, kGroup, kAlias };

// "track", "identify", ... as in the Segment spec's "type" field.
std::string_view EventTypeName(EventType type);
std::optional<EventType> EventTypeFromName(std::string_view name);

// Events the engine writes itself (segment entries and exits) carry a top-level "source" that
// starts with this prefix; write keys cannot be given such a source. Profiles keep these events in
// histories but do not fold them into features, and they never create a customer.
inline constexpr std::string_view kSystemSourcePrefix = "mercato/";
inline bool IsSystemSource(std::string_view source) {
  return source.starts_with(kSystemSourcePrefix);
}
// The track event names of the engine's own events.
inline constexpr std::string_view kSegmentEnteredEvent = "Segment Entered";
inline constexpr std::string_view kSegmentExitedEvent = "Segment Exited";
// Cluster mode: a journey message was finished (delivered, skipped or dead-lettered) by the node
// that owned its customer; properties {"key", "outcome"}. A node that later takes the customer's
// partition over replays it and so never sends that message again (pipeline/delivery.h).
inline constexpr std::string_view kMessageFinishedEvent = "Journey Message Finished";
inline constexpr std::string_view kJourneySystemSource = "mercato/journeys";
// Cluster mode, identities across partitions (docs/adr/0018-cross-partition-identity-merges.md):
// "Identity Link" records (source kIdentitySystemSource) ask the partition an identity lives in to
// join it to a customer of another partition; a copy of an event sent to the customer's partition
// carries the member kForwardedMember, which clients may not send.
inline constexpr std::string_view kIdentitySystemSource = "mercato/identity";
inline constexpr std::string_view kIdentityLinkEvent = "Identity Link";
// Sent when a customer is erased, to each partition holding an identity it linked: the stub there,
// its rows and their log records go too.
inline constexpr std::string_view kIdentityEraseEvent = "Identity Erase";
inline constexpr std::string_view kForwardedMember = "mercatoForwarded";
// The source and names of the feedback events of journey e-mails (server/tracking_routes.cc,
// pipeline/email_feedback.h); the names are those of Segment's e-mail spec.
inline constexpr std::string_view kEmailFeedbackSource = "journeys";
inline constexpr std::string_view kEmailOpenedEvent = "Email Opened";
inline constexpr std::string_view kEmailClickedEvent = "Email Link Clicked";
inline constexpr std::string_view kEmailBouncedEvent = "Email Bounced";
inline constexpr std::string_view kEmailComplainedEvent = "Email Marked as Spam";

struct Event {
  EventType type = EventType::kTrack;
  std::string message_id;    // client's messageId, or a server-generated UUID
  std::string user_id;       // may be empty when anonymous_id is set
  std::string anonymous_id;  // may be empty when user_id is set
  int64_t timestamp_us = 0;  // when it happened, corrected for client clock skew
  int64_t received_at_us = 0;
  std::string payload;  // normalised JSON object (see docs/formats/event.md)

  // The key the log partitions by: userId when present, else anonymousId.
  std::string_view RoutingKey() const { return user_id.empty() ? anonymous_id : user_id; }
};

}  // namespace mercato

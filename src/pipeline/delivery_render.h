#pragma once
// Rendering and sending one outbox message on its channel (delivery.h step 3).
//
// Thread safety: as the transport passed in.

#include <cstdint>
#include <string>
#include <string_view>

#include "journey/outbox.h"
#include "pipeline/delivery.h"

namespace mercato {

struct RenderContext {
  Store& store;
  EventLog* log;
  const ProfileStore& profiles;
  const content::TemplateStore& templates;
  DeliveryTransport& transport;
  const DeliveryOptions& options;
  CommitJournal& journal;  // the SMTP commit records
  // Cluster mode: announces a message as finished at the SMTP commit point (before the server can
  // take it), so that no later owner of the customer sends it again. Empty: single node.
  std::function<Status(const journey::OutboxMessage& message)> announce_commit;
};

struct SendOutcome {
  enum class Kind { kDelivered, kSkipped, kTransient, kPermanent };
  Kind kind = Kind::kTransient;
  std::string detail;  // skipped: why ("no_address", ...); failures: the receiver's error
  int64_t retry_after_s = -1;
  bool hard_bounce = false;  // e-mail refused for good by the receiving server
  // An audience addition: the member's identifiers as JSON, kept for the removal.
  std::string audience_member;
};

// A message without a journey is a privacy removal from an ad audience
// (journey/engine_keys.h AudienceRemoval): it is sent with the identifiers it carries, whether or
// not the profile still exists. Errors are the store's only; a message that cannot be rendered
// (unknown template or endpoint, a render error) is a permanent failure with the reason.
Result<SendOutcome> SendMessage(const RenderContext& context, const journey::OutboxMessage& message,
                                std::string_view customer, int64_t now_us);

}  // namespace mercato

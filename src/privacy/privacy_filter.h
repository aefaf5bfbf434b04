#pragma once
// PrivacyFilter: what every event goes through before it is stored (HTTP ingestion, imports, the
// demo generator): it rejects payloads that carry the reserved "$enc" member, applies the DLP
// policy (privacy/dlp.h: masks, hashes, drops or encrypts personal values in free text and personal
// fields) and encrypts with the data key of the event's identity — the userId, else the
// anonymousId (privacy/key_vault.h). The key is created only when the event has something to
// encrypt.
//
// Thread safety: Apply is safe from any thread (the vault is; the policy is immutable).

#include <boost/json/object.hpp>

#include "core/metrics.h"
#include "core/status.h"
#include "event/event.h"
#include "event/parser.h"
#include "privacy/dlp.h"
#include "privacy/key_vault.h"

namespace mercato {

// The vault identity of an event's data: "u:<userId>" or "a:<anonymousId>".
std::string EventIdentityKey(const Event& event);

class PrivacyFilter {
 public:
  // `metrics` may be null: otherwise mercato_dlp_detections_total{kind} and
  // mercato_fields_encrypted_total are counted.
  PrivacyFilter(KeyVault& vault, DlpPolicy policy, MetricsRegistry* metrics);

  // InvalidArgument when the payload holds "$enc"; IoError when the vault's store fails.
  Status Apply(const Event& event, boost::json::object& payload) const;

  // Apply as the parser's transform hook. The filter must outlive it.
  PayloadTransform AsTransform() const;

  const DlpPolicy& policy() const { return policy_; }

 private:
  KeyVault& vault_;
  const DlpPolicy policy_;
  Counter* encrypted_ = nullptr;
  std::array<Counter*, kPiiKindCount> detections_{};
};

}  // namespace mercato

#include "privacy/privacy_filter.h"

#include <boost/json.hpp>

#include "privacy/field_cipher.h"

namespace mercato {

std::string EventIdentityKey(const Event& event) {
  return event.user_id.empty() ? "a:" + event.anonymous_id : "u:" + event.user_id;
}

PrivacyFilter::PrivacyFilter(KeyVault& vault, DlpPolicy policy, MetricsRegistry* metrics)
    : vault_(vault), policy_(std::move(policy)) {
  if (metrics == nullptr) return;
  encrypted_ = &metrics->GetCounter("mercato_fields_encrypted_total",
                                    "Personal values stored encrypted with a customer's data key");
  for (size_t k = 0; k < kPiiKindCount; ++k) {
    detections_[k] = &metrics->GetCounter(
        "mercato_dlp_detections_total", "Personal data found in free text on ingest, by kind",
        {{"kind", std::string(PiiKindName(static_cast<PiiKind>(k)))}});
  }
}

Status PrivacyFilter::Apply(const Event& event, boost::json::object& payload) const {
  for (const auto& member : payload) {
    if (member.key() == kEncryptedMember || ContainsEncryptedMarker(member.value())) {
      return Status::InvalidArgument("the member name '$enc' is reserved");
    }
  }
  std::optional<DataKey> key;  // fetched on the first value to encrypt
  size_t encrypted = 0;
  DlpContext context;
  context.hmac_key = vault_.pseudonym_key();
  context.encrypt = [&](const boost::json::value& value) -> Result<boost::json::value> {
    if (!key) {
      ASSIGN_OR_RETURN(DataKey fetched, vault_.KeyFor(EventIdentityKey(event)));
      key = std::move(fetched);
    }
    ++encrypted;
    return EncryptValue(value, *key);
  };
  DlpStats stats;
  RETURN_IF_ERROR(ApplyDlp(payload, policy_, context, &stats));
  if (encrypted_ != nullptr && encrypted > 0) encrypted_->Inc(encrypted);
  for (size_t k = 0; k < kPiiKindCount; ++k) {
    if (detections_[k] != nullptr && stats.detected[k] > 0) {
      detections_[k]->Inc(stats.detected[k]);
    }
  }
  return Status::Ok();
}

PayloadTransform PrivacyFilter::AsTransform() const {
  return [this](const Event& event, boost::json::object& payload) { return Apply(event, payload); };
}

}  // namespace mercato

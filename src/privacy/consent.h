#pragma once
// Consent per purpose of processing. A customer's consent for each purpose is a decision (granted
// or denied) with the time and source it was given; where the customer never decided, the
// purpose's default applies (ConsentDefaults). Everything that processes personal data asks
// Allows() first:
//   kEmailMarketing   — marketing e-mail (journeys' e-mail sends)
//   kProfiling        — computed features beyond counting, RFM, clustering, predictions
//   kPersonalisation  — recommendations and personalised content
//   kAdvertising      — ad-audience exports
//
// Consent arrives with events, in Segment's consent format:
//   "context": {"consent": {"categoryPreferences": {"<category>": true|false, ...}}}
// on any event; categories are matched to purposes by name, case-insensitively, with the aliases
// in docs/privacy.md ("marketing"/"email" -> email_marketing, "analytics" -> profiling, ...).
// Unknown categories are ignored. `POST /v1/privacy/consent` writes such an event to the log.
//
// Thread safety: plain values and pure functions.

#include <array>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mercato {

enum class Purpose : uint8_t { kEmailMarketing, kProfiling, kPersonalisation, kAdvertising };
inline constexpr size_t kPurposeCount = 4;
inline constexpr std::array<Purpose, kPurposeCount> kAllPurposes = {
    Purpose::kEmailMarketing, Purpose::kProfiling, Purpose::kPersonalisation,
    Purpose::kAdvertising};

// "email_marketing", "profiling", "personalisation", "advertising".
std::string_view PurposeName(Purpose purpose);
// The purpose a category or purpose name denotes (aliases included); nullopt when none.
std::optional<Purpose> PurposeFromName(std::string_view name);

struct ConsentDecision {
  bool granted = false;
  int64_t at_us = 0;   // the time of the event that carried it
  std::string source;  // the write key's source, or "api"
};

// Defaults where a customer has not decided: opt-in for marketing e-mail and advertising,
// legitimate interest for profiling and personalisation (docs/privacy.md).
struct ConsentDefaults {
  std::array<bool, kPurposeCount> granted = {false, true, true, false};
};

// A customer's recorded decisions, by purpose.
struct ConsentState {
  std::array<std::optional<ConsentDecision>, kPurposeCount> decisions;

  bool Allows(Purpose purpose, const ConsentDefaults& defaults = {}) const;
  // Applies a decision unless a later one is already recorded (events may arrive out of order).
  void Apply(Purpose purpose, ConsentDecision decision);
};

// The (purpose, granted) pairs of an event's context.consent.categoryPreferences; empty when there
// are none. Non-boolean values are ignored.
std::vector<std::pair<Purpose, bool>> ReadConsentPreferences(const boost::json::object* context);

}  // namespace mercato

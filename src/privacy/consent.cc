#include "privacy/consent.h"

#include <boost/json.hpp>
#include <cctype>

namespace mercato {
namespace {

struct Alias {
  std::string_view name;
  Purpose purpose;
};
constexpr Alias kAliases[] = {
    {"email_marketing", Purpose::kEmailMarketing},
    {"email", Purpose::kEmailMarketing},
    {"marketing", Purpose::kEmailMarketing},
    {"emailmarketing", Purpose::kEmailMarketing},
    {"profiling", Purpose::kProfiling},
    {"analytics", Purpose::kProfiling},
    {"personalisation", Purpose::kPersonalisation},
    {"personalization", Purpose::kPersonalisation},
    {"functional", Purpose::kPersonalisation},
    {"advertising", Purpose::kAdvertising},
    {"ads", Purpose::kAdvertising},
    {"targeting", Purpose::kAdvertising},
};

}  // namespace

std::string_view PurposeName(Purpose purpose) {
  switch (purpose) {
    case Purpose::kEmailMarketing:
      return "email_marketing";
    case Purpose::kProfiling:
      return "profiling";
    case Purpose::kPersonalisation:
      return "personalisation";
    case Purpose::kAdvertising:
      return "advertising";
  }
  return "unknown";
}

std::optional<Purpose> PurposeFromName(std::string_view name) {
  if (name.size() > 64) return std::nullopt;
  std::string lower;
  for (char c : name) {
    if (c == ' ' || c == '-') c = '_';
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  for (const Alias& alias : kAliases) {
    if (alias.name == lower) return alias.purpose;
  }
  return std::nullopt;
}

bool ConsentState::Allows(Purpose purpose, const ConsentDefaults& defaults) const {
  const auto& decision = decisions[static_cast<size_t>(purpose)];
  return decision ? decision->granted : defaults.granted[static_cast<size_t>(purpose)];
}

void ConsentState::Apply(Purpose purpose, ConsentDecision decision) {
  auto& slot = decisions[static_cast<size_t>(purpose)];
  if (slot && slot->at_us > decision.at_us) return;
  slot = std::move(decision);
}

std::vector<std::pair<Purpose, bool>> ReadConsentPreferences(const boost::json::object* context) {
  std::vector<std::pair<Purpose, bool>> out;
  if (context == nullptr) return out;
  const auto* consent = context->if_contains("consent");
  if (consent == nullptr || !consent->is_object()) return out;
  const auto* preferences = consent->get_object().if_contains("categoryPreferences");
  if (preferences == nullptr || !preferences->is_object()) return out;
  for (const auto& member : preferences->get_object()) {
    if (!member.value().is_bool()) continue;
    auto purpose = PurposeFromName(member.key());
    if (purpose) out.emplace_back(*purpose, member.value().get_bool());
  }
  return out;
}

}  // namespace mercato

// ProfileState::ParseRuleFields (profile_state.h): the fields segment rules read, scanned straight
// from the stored JSON. A full Parse builds a JSON document and then maps of it; a batch
// evaluation of every segment over every profile spends most of its parsing time there. This
// scanner reads the members rules need, skips the others without building anything, and hands
// anything unusual to Parse so that results never differ.

#include <array>
#include <boost/json/parse.hpp>
#include <cstdint>
#include <map>
#include <string_view>

#include "core/json_scanner.h"
#include "event/event.h"
#include "profile/profile_state.h"

namespace mercato::profile {
namespace {

namespace json = boost::json;

constexpr std::array<EventType, 6> kTypes = {EventType::kTrack, EventType::kIdentify,
                                             EventType::kPage,  EventType::kScreen,
                                             EventType::kGroup, EventType::kAlias};

bool ReadCount(JsonScanner& in, uint64_t& out) {
  int64_t value = 0;
  if (in.Peek('-')) {
    if (!in.Integer(value) || value < 0) return false;
    out = static_cast<uint64_t>(value);
    return true;
  }
  return in.Integer(out);
}

bool ReadTime(JsonScanner& in, int64_t& out) { return in.Integer(out); }

bool ReadCountMap(JsonScanner& in, CountMap& out) {
  return ForEachMember(in, [&](std::string_view key) {
    uint64_t count = 0;
    if (!ReadCount(in, count)) return false;
    return out.emplace(std::string(key), count).second;  // a duplicate: leave it to Parse
  });
}

// A trait's "v": strings without escapes and literals directly, anything else through the JSON
// parser (as Parse reads it).
bool ReadTraitValue(JsonScanner& in, json::value& out) {
  std::string_view text;
  if (in.Peek('"')) {
    JsonScanner copy = in;
    if (copy.PlainString(text)) {
      in = copy;
      out = json::value(json::string_view(text.data(), text.size()));
      return true;
    }
  }
  if (!in.SkipValue(&text)) return false;
  if (text == "true" || text == "false") {
    out = json::value(text == "true");
    return true;
  }
  if (text == "null") {
    out = json::value(nullptr);
    return true;
  }
  boost::system::error_code ec;
  out = json::parse(json::string_view(text.data(), text.size()), ec);
  return !ec;
}

bool ReadTraits(JsonScanner& in, std::map<std::string, Trait, std::less<>>& out) {
  return ForEachMember(in, [&](std::string_view name) {
    Trait trait;
    bool has_value = false;
    bool has_time = false;
    const bool read = ForEachMember(in, [&](std::string_view key) {
      if (key == "v") {
        if (has_value) return false;
        has_value = true;
        return ReadTraitValue(in, trait.value);
      }
      if (key == "t") {
        if (has_time) return false;
        has_time = true;
        return ReadTime(in, trait.updated_us);
      }
      return in.SkipValue();
    });
    return read && has_value && out.emplace(std::string(name), std::move(trait)).second;
  });
}

bool ReadIdentities(JsonScanner& in, std::vector<std::string>& out) {
  if (!in.Take('[')) return false;
  if (in.Take(']')) return true;
  do {
    std::string_view key;
    if (!in.PlainString(key)) return false;
    out.emplace_back(key);
  } while (in.Take(','));
  return in.Take(']');
}

bool ReadEventCounts(JsonScanner& in, std::array<uint64_t, 6>& out) {
  uint32_t seen = 0;
  return ForEachMember(in, [&](std::string_view key) {
    for (size_t k = 0; k < kTypes.size(); ++k) {
      if (key != EventTypeName(kTypes[k])) continue;
      if ((seen & (1U << k)) != 0) return false;
      seen |= 1U << k;
      return ReadCount(in, out[static_cast<size_t>(kTypes[k])]);
    }
    return in.SkipValue();
  });
}

bool ReadConsent(JsonScanner& in, ConsentState& out) {
  if (in.Peek('{')) {
    JsonScanner copy = in;
    if (copy.Take('{') && copy.Take('}')) {
      in = copy;
      return true;
    }
  }
  std::string_view text;
  if (!in.SkipValue(&text)) return false;
  boost::system::error_code ec;
  const json::value consent = json::parse(json::string_view(text.data(), text.size()), ec);
  return !ec && ReadStoredConsent(consent, out).ok();
}

// The members Parse reads; a bit each, so that a duplicate goes to Parse.
enum Member : uint32_t {
  kIdentities = 1U << 0,
  kTraits = 1U << 1,
  kFirstSeen = 1U << 2,
  kLastSeen = 1U << 3,
  kCounts = 1U << 4,
  kTrackEvents = 1U << 5,
  kOrders = 1U << 6,
  kRefunds = 1U << 7,
  kRevenue = 1U << 8,
  kLastOrder = 1U << 9,
  kDevices = 1U << 10,
  kCountries = 1U << 11,
  kConsent = 1U << 12,
  kSkipped = 1U << 13,  // members left empty: not tracked for duplicates
};

Member MemberOf(std::string_view key) {
  switch (key.size()) {
    case 6:
      if (key == "orders") return kOrders;
      if (key == "counts") return kCounts;
      if (key == "traits") return kTraits;
      break;
    case 7:
      if (key == "refunds") return kRefunds;
      if (key == "devices") return kDevices;
      if (key == "consent") return kConsent;
      break;
    case 8:
      if (key == "lastSeen") return kLastSeen;
      break;
    case 9:
      if (key == "firstSeen") return kFirstSeen;
      if (key == "countries") return kCountries;
      break;
    case 10:
      if (key == "identities") return kIdentities;
      if (key == "mergedInto") return static_cast<Member>(0);  // a redirect: Parse
      break;
    case 11:
      if (key == "trackEvents") return kTrackEvents;
      if (key == "lastOrderAt") return kLastOrder;
      break;
    case 13:
      if (key == "revenueMicros") return kRevenue;
      break;
    default:
      break;
  }
  return kSkipped;
}

bool ReadMember(JsonScanner& in, Member member, ProfileState& state) {
  switch (member) {
    case kIdentities:
      return ReadIdentities(in, state.identities);
    case kTraits:
      return ReadTraits(in, state.traits);
    case kFirstSeen:
      return ReadTime(in, state.first_seen_us);
    case kLastSeen:
      return ReadTime(in, state.last_seen_us);
    case kCounts:
      return ReadEventCounts(in, state.event_counts);
    case kTrackEvents:
      return ReadCountMap(in, state.track_events);
    case kOrders:
      return ReadCount(in, state.orders);
    case kRefunds:
      return ReadCount(in, state.refunds);
    case kRevenue:
      return ReadTime(in, state.revenue_micros);
    case kLastOrder: {
      if (in.Literal("null")) return true;
      int64_t micros = 0;
      if (!ReadTime(in, micros)) return false;
      state.last_order_at_us = micros;
      return true;
    }
    case kDevices:
      return ReadCountMap(in, state.devices);
    case kCountries:
      return ReadCountMap(in, state.countries);
    case kConsent:
      return ReadConsent(in, state.consent);
    case kSkipped:
      return in.SkipValue();
  }
  return false;
}

}  // namespace

Result<ProfileState> ProfileState::ParseRuleFields(std::string_view id, std::string_view stored) {
  ProfileState state;
  state.id = std::string(id);
  JsonScanner in(stored);
  uint32_t seen = 0;
  const bool read = ForEachMember(in, [&](std::string_view key) {
    const Member member = MemberOf(key);
    if (member == 0) return false;
    if (member != kSkipped) {
      if ((seen & member) != 0) return false;
      seen |= member;
    }
    return ReadMember(in, member, state);
  });
  if (!read || !in.AtEnd()) return Parse(id, stored);
  return state;
}

}  // namespace mercato::profile

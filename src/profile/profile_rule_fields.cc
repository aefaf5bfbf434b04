// ProfileState::ParseRuleFields (profile_state.h): the fields segment rules read, scanned straight
// from the stored JSON. A full Parse builds a JSON document and then maps of it; a batch
// evaluation of every segment over every profile spends most of its parsing time there. This
// scanner reads the members rules need, skips the others without building anything, and hands
// anything unusual to Parse so that results never differ.

#include <array>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cstdint>
#include <map>
#include <string_view>

#include "event/event.h"
#include "profile/profile_state.h"

namespace mercato::profile {
namespace {

namespace json = boost::json;

constexpr std::array<EventType, 6> kTypes = {EventType::kTrack, EventType::kIdentify,
                                             EventType::kPage,  EventType::kScreen,
                                             EventType::kGroup, EventType::kAlias};

// A cursor over JSON text. Every reader returns false on anything it does not handle; the caller
// then falls back to ProfileState::Parse.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }

  // Consumes `c` (after whitespace) when it is next.
  bool Take(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  // A string without escapes (the common case: names written by Serialize).
  bool PlainString(std::string_view& out) {
    if (!Take('"')) return false;
    const size_t start = pos_;
    for (; pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (c == '"') {
        out = text_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
    }
    return false;
  }

  // An integer member value (no fraction or exponent: those are not counts or times).
  template <typename Int>
  bool Integer(Int& out) {
    SkipSpace();
    const char* begin = text_.data() + pos_;
    const char* end = text_.data() + text_.size();
    Int value = 0;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr == begin) return false;
    if (ptr != end && (*ptr == '.' || *ptr == 'e' || *ptr == 'E')) return false;
    // "-0" and leading zeros: leave them to Parse.
    const char* digits = *begin == '-' ? begin + 1 : begin;
    if (*digits == '0' && (ptr - digits > 1 || *begin == '-')) return false;
    pos_ = static_cast<size_t>(ptr - text_.data());
    out = value;
    return true;
  }

  bool Literal(std::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  // Skips one value of any kind (not validated) and returns its text.
  bool SkipValue(std::string_view* text = nullptr) {
    SkipSpace();
    const size_t start = pos_;
    int depth = 0;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '"') {
        if (!SkipString()) return false;
        if (depth == 0) break;
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;  // the end of the enclosing container
        if (--depth == 0) {
          ++pos_;
          break;
        }
      } else if (depth == 0 && IsDelimiter(c)) {
        break;
      }
      ++pos_;
    }
    if (pos_ == start || depth != 0) return false;
    if (text != nullptr) *text = text_.substr(start, pos_ - start);
    return true;
  }

 private:
  static bool IsDelimiter(char c) {
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool SkipString() {
    ++pos_;  // the opening quote
    for (; pos_ < text_.size(); ++pos_) {
      if (text_[pos_] == '\\') {
        ++pos_;
      } else if (text_[pos_] == '"') {
        ++pos_;
        return true;
      }
    }
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// Calls `member(key)` for each member of the object at the cursor; `member` consumes the value.
template <typename Member>
bool ForEachMember(Scanner& in, Member&& member) {
  if (!in.Take('{')) return false;
  if (in.Take('}')) return true;
  do {
    std::string_view key;
    if (!in.PlainString(key) || !in.Take(':') || !member(key)) return false;
  } while (in.Take(','));
  return in.Take('}');
}

bool ReadCount(Scanner& in, uint64_t& out) {
  int64_t value = 0;
  if (in.Peek('-')) {
    if (!in.Integer(value) || value < 0) return false;
    out = static_cast<uint64_t>(value);
    return true;
  }
  return in.Integer(out);
}

bool ReadTime(Scanner& in, int64_t& out) { return in.Integer(out); }

bool ReadCountMap(Scanner& in, CountMap& out) {
  return ForEachMember(in, [&](std::string_view key) {
    uint64_t count = 0;
    if (!ReadCount(in, count)) return false;
    return out.emplace(std::string(key), count).second;  // a duplicate: leave it to Parse
  });
}

// A trait's "v": strings without escapes and literals directly, anything else through the JSON
// parser (as Parse reads it).
bool ReadTraitValue(Scanner& in, json::value& out) {
  std::string_view text;
  if (in.Peek('"')) {
    Scanner copy = in;
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

bool ReadTraits(Scanner& in, std::map<std::string, Trait, std::less<>>& out) {
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

bool ReadIdentities(Scanner& in, std::vector<std::string>& out) {
  if (!in.Take('[')) return false;
  if (in.Take(']')) return true;
  do {
    std::string_view key;
    if (!in.PlainString(key)) return false;
    out.emplace_back(key);
  } while (in.Take(','));
  return in.Take(']');
}

bool ReadEventCounts(Scanner& in, std::array<uint64_t, 6>& out) {
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

bool ReadConsent(Scanner& in, ConsentState& out) {
  if (in.Peek('{')) {
    Scanner copy = in;
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

bool ReadMember(Scanner& in, Member member, ProfileState& state) {
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
  Scanner in(stored);
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

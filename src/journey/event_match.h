#pragma once
// Whether a track event satisfies an EventMatcher (definition.h; docs/journeys.md "Triggers"):
// the same event name and every condition on its properties. Dotted property names reach into
// objects; numbers compare as numbers (numeric strings count as numbers when the condition's
// value is a number), strings as strings (bytewise), booleans only with = and !=. A missing
// property fails every condition except "!=" and "exists": false.
//
// Thread safety: pure functions.

#include <boost/json/object.hpp>
#include <string_view>

#include "journey/definition.h"

namespace mercato::journey {

// `properties` may be null (no properties).
bool MatchesEvent(const EventMatcher& matcher, std::string_view event_name,
                  const boost::json::object* properties);
bool MatchesFilter(const PropertyFilter& filter, const boost::json::object* properties);

}  // namespace mercato::journey

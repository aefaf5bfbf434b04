#pragma once
// Compact JSON serialisation of Boost.JSON values with numbers written the way people expect:
// doubles in their shortest round-trip form ("182.99", not Boost 1.81's "1.8299E2"), integers as
// integers. Strings are escaped per RFC 8259 (quote, backslash, control characters); other UTF-8 is
// written as is. The output parses back to an equal value.
//
// Thread safety: pure functions.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

namespace mercato {

// Returns false when the value holds a number that is not finite (Boost.JSON parses 1e400 as
// infinity); such a number is written as null, and callers that store the text must reject it.
bool AppendJson(std::string& out, const boost::json::value& value);
bool AppendJson(std::string& out, const boost::json::object& object);
std::string SerializeJson(const boost::json::value& value);
std::string SerializeJson(const boost::json::object& object);

}  // namespace mercato

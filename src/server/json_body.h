#pragma once
// Request bodies of the JSON routes: one object whose members are all known to the route.
//
// Thread safety: pure function.

#include <boost/json/object.hpp>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato {

// `body` as a JSON object whose member names are all in `allowed`. A body of only whitespace is
// an empty object (the route then reports what is required). InvalidArgument: "malformed JSON:
// ...", "body must be a JSON object" or "unknown field 'x'".
Result<boost::json::object> ParseJsonBody(const std::string& body,
                                          std::initializer_list<std::string_view> allowed);

}  // namespace mercato

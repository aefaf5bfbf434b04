#include "server/json_body.h"

#include <algorithm>
#include <boost/json/parse.hpp>

namespace mercato {

Result<boost::json::object> ParseJsonBody(const std::string& body,
                                          std::initializer_list<std::string_view> allowed) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return boost::json::object();
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec) return Status::InvalidArgument("malformed JSON: " + ec.message());
  if (!value.is_object()) return Status::InvalidArgument("body must be a JSON object");
  for (const auto& field : value.get_object()) {
    if (std::find(allowed.begin(), allowed.end(), field.key()) == allowed.end()) {
      return Status::InvalidArgument("unknown field '" + std::string(field.key().substr(0, 60)) +
                                     "'");
    }
  }
  return std::move(value.get_object());
}

}  // namespace mercato

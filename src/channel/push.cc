#include "channel/push.h"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mercato::channel {

Result<std::string> FcmMessage(std::string_view device_token, std::string_view title,
                               std::string_view body,
                               const std::map<std::string, std::string>& data) {
  if (device_token.empty()) return Status::InvalidArgument("a push needs a device token");
  if (title.empty() && body.empty()) return Status::InvalidArgument("a push needs a title or body");
  boost::json::object fields;
  for (const auto& [key, value] : data) fields[key] = value;
  boost::json::object message{
      {"token", device_token},
      {"notification", boost::json::object{{"title", title}, {"body", body}}}};
  if (!fields.empty()) message["data"] = std::move(fields);
  return boost::json::serialize(boost::json::object{{"message", std::move(message)}});
}

}  // namespace mercato::channel

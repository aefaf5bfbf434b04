#pragma once
// Push messages in the shape of Firebase Cloud Messaging's HTTP v1 API
// (POST .../v1/projects/<project>/messages:send with "Authorization: Bearer <token>"):
//   {"message": {"token": <device token>, "notification": {"title", "body"},
//                "data": {<string>: <string>, ...}}}
// sent to a configurable endpoint, so a gateway or FCM itself can receive it.
//
// Thread safety: pure function.

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato::channel {

// InvalidArgument for an empty token or an empty title and body.
Result<std::string> FcmMessage(std::string_view device_token, std::string_view title,
                               std::string_view body,
                               const std::map<std::string, std::string>& data);

}  // namespace mercato::channel

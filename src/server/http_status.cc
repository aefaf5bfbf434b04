#include "server/http_status.h"

#include <boost/json.hpp>

namespace mercato {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kPayloadTooLarge:
      return 413;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kIoError:
    case StatusCode::kCorruption:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse ErrorResponse(const Status& status, const std::vector<EventError>& errors) {
  boost::json::object body;
  body["success"] = false;
  body["code"] = std::string(StatusCodeName(status.code()));
  body["error"] = status.message();
  if (!errors.empty()) {
    boost::json::array list;
    for (const EventError& error : errors) {
      boost::json::object item;
      if (error.index >= 0) item["index"] = error.index;
      item["message"] = error.message;
      list.push_back(std::move(item));
    }
    body["errors"] = std::move(list);
  }
  HttpResponse response = JsonResponse(HttpStatusFor(status.code()), boost::json::serialize(body));
  if (status.code() == StatusCode::kUnauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"mercato\"");
  }
  if (status.code() == StatusCode::kUnavailable ||
      status.code() == StatusCode::kResourceExhausted) {
    response.headers.emplace_back("Retry-After", "1");
  }
  return response;
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace mercato

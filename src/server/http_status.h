#pragma once
// The one place where Status codes become HTTP responses.

#include <string>
#include <vector>

#include "core/status.h"
#include "event/parser.h"
#include "server/http_types.h"

namespace mercato {

int HttpStatusFor(StatusCode code);

// {"success":false,"code":"InvalidArgument","error":"...","errors":[{"index":2,"message":"..."}]}
HttpResponse ErrorResponse(const Status& status, const std::vector<EventError>& errors = {});

// A JSON response with the given body and status.
HttpResponse JsonResponse(int status, std::string body);

}  // namespace mercato

#pragma once
// HttpFetch: one HTTP GET (or POST of a body) with libcurl that keeps the whole answer (status,
// content type, body up to a bound), for forwarding a request to the cluster node that owns the
// customer (cli/cluster.h).
//
// Thread safety: safe from any thread (one libcurl handle per call).

#include <string>
#include <utility>
#include <vector>

#include "channel/http_sender.h"
#include "core/status.h"

namespace mercato::channel {

struct FetchedResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Unavailable when no complete answer came (connection refused, timeout); InvalidArgument for a
// URL that is not http(s); ResourceExhausted when the body exceeds `max_body`. Any HTTP status is
// a successful fetch. `post_body`, when not null, is sent as a POST (give its Content-Type in
// `headers`).
Result<FetchedResponse> HttpFetch(const std::string& url,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const HttpOptions& options, size_t max_body = 16 << 20,
                                  const std::string* post_body = nullptr);

}  // namespace mercato::channel

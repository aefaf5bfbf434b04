#pragma once
// HttpSender: one HTTP POST of a JSON body with libcurl, for the webhook, push and chat channels,
// with the outcome classified like SMTP's: delivered (2xx), transient (408, 425, 429, 5xx,
// timeouts, no connection: retry later, after Retry-After when given) or permanent (any other
// status: the receiver refuses this request; do not retry).
//
// Thread safety: Post is const and safe from any thread (one libcurl handle per call).

#include <string>
#include <utility>
#include <vector>

#include "channel/smtp_sender.h"

namespace mercato::channel {

struct HttpOptions {
  int connect_timeout_ms = 5'000;
  int timeout_ms = 10'000;
  std::string ca_file;  // empty: the system's CA store
};

struct HttpResult {
  SendResult::Outcome outcome = SendResult::Outcome::kTransient;
  int status = 0;              // the HTTP status, 0 when there was no response
  int64_t retry_after_s = -1;  // Retry-After in seconds when the response had one
  std::string detail;          // the error, or the start of the response body when not 2xx
};

class HttpSender {
 public:
  explicit HttpSender(HttpOptions options = {});
  // POSTs `body` as application/json to `url` (http or https only) with `headers`.
  HttpResult Post(const std::string& url, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers) const;

 private:
  HttpOptions options_;
};

}  // namespace mercato::channel

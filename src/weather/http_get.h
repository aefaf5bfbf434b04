#pragma once
// HttpGetClient: bounded HTTP/1.1 GET requests to one base URL (plain TCP, or TLS verified against
// the system trust store with SNI), for fetching small JSON documents from an external service on
// a request path.
//
// Every request has one deadline for the whole exchange (DNS, connect, TLS handshake, write, read);
// the caller never waits past it, even when name resolution hangs. Responses are read up to a
// byte limit; one connection per request (Connection: close); redirects are not followed.
//
// Threads: one I/O thread per client, started by Create and joined by the destructor; callers
// block in Get until the answer or the deadline. At most `max_in_flight` exchanges exist at once
// (an exchange the caller gave up on still counts until its own deadline ends it), so a hanging
// service cannot pile up sockets.
//
// Thread safety: Get is safe from any thread. No call may be in progress when the client is
// destroyed.

#include <cstddef>
#include <memory>
#include <string>

#include "core/status.h"
#include "weather/base_url.h"

namespace mercato {

struct HttpGetOptions {
  int timeout_ms = 300;                  // the whole exchange; > 0
  size_t max_response_bytes = 64 << 10;  // the body; > 0
  size_t max_in_flight = 64;             // exchanges at once; > 0
  std::string ca_file;                   // PEM trust anchors added to the system store (https)
};

class HttpGetClient {
 public:
  // InvalidArgument for out-of-range options or an unreadable ca_file; Internal when TLS or the
  // I/O thread cannot be set up.
  static Result<std::unique_ptr<HttpGetClient>> Create(BaseUrl url, HttpGetOptions options);
  ~HttpGetClient();
  HttpGetClient(const HttpGetClient&) = delete;
  HttpGetClient& operator=(const HttpGetClient&) = delete;

  // GETs `target` (an origin-form path with query, such as "/v1/forecast?a=1") and returns the
  // body of a 200 response. Unavailable naming the reason for a failed connection or handshake, a
  // timeout, a response other than 200, a body over the limit or too many requests in flight.
  Result<std::string> Get(const std::string& target);

  const BaseUrl& url() const;
  const HttpGetOptions& options() const;

 private:
  class Impl;
  explicit HttpGetClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mercato

#pragma once
// A small blocking HTTPS client for tests: one connection per request, the server verified against
// a CA file and a host name or IP address (as browsers and curl verify it). Every step is bounded
// by a timeout.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "support/http_client.h"

namespace mercato::testing {

struct TlsClientOptions {
  std::string host = "127.0.0.1";  // the address connected to
  uint16_t port = 0;
  std::string ca_file;      // PEM file of the CA(s) trusted
  std::string verify_name;  // the name or IP address the certificate must hold; default host
  int max_tls_version = 0;  // e.g. TLS1_1_VERSION to offer nothing newer; 0 = no cap
  int timeout_ms = 10'000;  // per step: connect, handshake, write, read
};

class TlsClient {
 public:
  explicit TlsClient(TlsClientOptions options) : options_(std::move(options)) {}

  // status 0 with `error` ("connect: ...", "handshake: ...", "write: ...", "read: ...") when no
  // response arrived, e.g. when the certificate does not verify.
  ClientResponse Request(const std::string& method, const std::string& target,
                         const std::string& body = {},
                         const std::vector<std::pair<std::string, std::string>>& headers = {});

 private:
  TlsClientOptions options_;
};

}  // namespace mercato::testing

#pragma once
// HttpServer: HTTP/1.1 on Boost.Beast with an io_context thread pool, keep-alive, timeouts and
// connection limits, over plain TCP or TLS. Each request is handed to one Handler; the handler may
// answer later from any thread (the ingestion path answers from the log writer after the fsync).
//
// TLS: when tls_cert_file and tls_key_file are both set, the listener speaks HTTPS only (TLS 1.2
// minimum; server/tls_context.h lists the settings). A client that does not finish its handshake
// within header_timeout is closed; a plain-HTTP request on a TLS port gets no HTTP answer.
//
// Limits: a request whose declared or actual body exceeds max_body_bytes gets 413 and the
// connection is closed; headers over max_header_bytes get 431. Each phase has one deadline, however
// the client trickles its bytes: the headers of a request (keep-alive idle time included) must
// arrive within header_timeout of the phase's start, its body within body_timeout, and the whole
// response must be taken by the client within write_timeout; otherwise the connection is closed.
// Connections beyond max_connections, or beyond max_connections_per_address from one client IP
// address (0: no such cap), are answered 503 and closed on a plain listener and closed at once on
// a TLS one (no handshake is spent on them).
//
// Requests carry the peer's address (HttpRequest::remote_address, see CanonicalAddressText) and
// their Origin header (HttpRequest::origin).
//
// Metrics (when a registry is given): mercato_http_connections (open),
// mercato_http_connections_rejected_total (over either limit), mercato_http_timeouts_total{phase}
// (handshake, header, body, write) and, with TLS, mercato_http_tls_handshake_failures_total.
//
// Thread safety: Start/StopAccepting/Stop from one thread. A graceful stop is StopAccepting(), then
// answering what is pending (the ingestion path: stopping the log answers its queue), then
// Stop(drain_ms), which waits up to drain_ms for connections to finish their responses (each
// closes after its current one), then stops the pool; responders called after that are dropped.

#include <cstdint>
#include <memory>
#include <string>

#include "core/metrics.h"
#include "core/status.h"
#include "server/http_types.h"

namespace mercato {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see HttpServer::port()
  int threads = 2;
  size_t max_connections = 4096;
  size_t max_body_bytes = 512 * 1024;
  size_t max_header_bytes = 16 * 1024;
  size_t max_connections_per_address = 1024;  // 0 = no per-address cap
  int64_t header_timeout_ms = 30'000;         // also bounds the TLS handshake
  int64_t body_timeout_ms = 30'000;
  int64_t write_timeout_ms = 30'000;
  // PEM files; both set = HTTPS only. The certificate file may hold the chain after the leaf.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Handler handler, MetricsRegistry* metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS certificate and key (when set), binds and starts the pool. InvalidArgument when a
  // timeout is not positive, only one of the TLS files is set, a file cannot be read or holds no
  // PEM certificate or key, or the key does not match the certificate; IoError when the address
  // cannot be bound. Nothing is running after a failure.
  Status Start();
  // Stops accepting connections and makes every connection close after its current response.
  void StopAccepting();
  // StopAccepting, waits up to `drain_ms` for open connections to finish, then stops the pool.
  void Stop(int64_t drain_ms = 2000);
  // The bound port (after Start).
  uint16_t port() const;
  // Whether the listener speaks HTTPS (after a successful Start).
  bool tls() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The text HttpRequest::remote_address uses for an IP address: an IPv4-mapped IPv6 address as plain
// IPv4 ("::ffff:10.0.0.1" -> "10.0.0.1"), IPv6 in its compressed form without a zone. Empty when
// `address` is not an IP address.
std::string CanonicalAddressText(const std::string& address);

}  // namespace mercato

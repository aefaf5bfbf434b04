#pragma once
// HttpServer: HTTP/1.1 on Boost.Beast with an io_context thread pool, keep-alive, read timeouts and
// a connection limit. Each request is handed to one Handler; the handler may answer later from any
// thread (the ingestion path answers from the log writer after the fsync).
//
// Limits: a request whose declared or actual body exceeds max_body_bytes gets 413 and the
// connection is closed; headers over max_header_bytes get 431; a connection that does not deliver
// its headers within header_timeout (this includes keep-alive idle time) or its body within
// body_timeout is closed. Connections beyond max_connections are answered 503 and closed.
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
  int64_t header_timeout_ms = 30'000;
  int64_t body_timeout_ms = 30'000;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Handler handler, MetricsRegistry* metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the pool. IoError when the address cannot be bound.
  Status Start();
  // Stops accepting connections and makes every connection close after its current response.
  void StopAccepting();
  // StopAccepting, waits up to `drain_ms` for open connections to finish, then stops the pool.
  void Stop(int64_t drain_ms = 2000);
  // The bound port (after Start).
  uint16_t port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mercato

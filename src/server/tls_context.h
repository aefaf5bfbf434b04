#pragma once
// The OpenSSL server context behind HttpServer's HTTPS listener: TLS 1.2 minimum (TLS 1.3
// preferred), forward-secret AEAD cipher suites only for TLS 1.2, the server's cipher preference,
// no compression, no renegotiation, read buffers released while a connection is idle.
//
// Thread safety: building is a pure function; the returned context is immutable afterwards and
// OpenSSL allows creating connections from it on any thread.

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "core/status.h"

namespace mercato {

struct SslCtxFree {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// Loads `cert_file` (PEM: the server certificate first, then any intermediate certificates of its
// chain) and `key_file` (PEM, unencrypted private key). InvalidArgument, naming the file and the
// reason, when a file cannot be read, holds no PEM certificate or key, or the key does not belong
// to the certificate; Internal when OpenSSL cannot allocate a context. Never prompts for a
// passphrase. The key's bytes are wiped from memory once loaded.
Result<SslCtxPtr> NewServerTlsContext(const std::string& cert_file, const std::string& key_file);

}  // namespace mercato

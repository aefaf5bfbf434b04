#pragma once
// Certificates for TLS tests, made with OpenSSL at run time (nothing is committed): a CA and a
// server certificate it signs for 127.0.0.1, ::1 and localhost, valid from an hour ago for a day.

#include <filesystem>
#include <string>

namespace mercato::testing {

struct TestPki {
  std::string ca_file;    // the CA certificate (PEM): what clients trust
  std::string cert_file;  // the server certificate followed by the CA certificate (a chain)
  std::string key_file;   // the server's private key (PEM, unencrypted, mode 0600)
};

// Writes <name>-ca.pem, <name>-server.pem and <name>-server.key under `dir`, each CA with a fresh
// P-256 key. Returns false with `error` when OpenSSL or the file system fails.
bool MakeTestPki(const std::filesystem::path& dir, const std::string& name, TestPki& pki,
                 std::string& error);

}  // namespace mercato::testing

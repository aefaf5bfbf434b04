#include "support/test_pki.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <functional>
#include <memory>

namespace mercato::testing {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct FileClose {
  void operator()(std::FILE* file) const { (void)std::fclose(file); }
};
using Key = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

std::string OpenSslError(const std::string& what) {
  unsigned long code = ERR_get_error();
  char text[256] = {};
  ERR_error_string_n(code, text, sizeof(text));
  ERR_clear_error();
  return what + ": " + text;
}

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) return false;
  bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A certificate for `key` named `common_name`, signed by `issuer_key` (self-signed when `issuer`
// is null), with the given extensions.
Cert MakeCert(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key,
              bool is_ca) {
  Cert cert(X509_new());
  if (cert == nullptr) return nullptr;
  unsigned char serial[8];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return nullptr;
  serial[0] &= 0x7f;  // positive
  BIGNUM* serial_bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  bool ok = serial_bn != nullptr &&
            BN_to_ASN1_INTEGER(serial_bn, X509_get_serialNumber(cert.get())) != nullptr;
  BN_free(serial_bn);
  ok = ok && X509_set_version(cert.get(), 2) == 1 &&
       X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
       X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr &&
       X509_set_pubkey(cert.get(), key) == 1;
  X509_NAME* name = X509_get_subject_name(cert.get());
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                        -1, -1, 0) == 1;
  X509* signer = issuer != nullptr ? issuer : cert.get();
  ok = ok && X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1;
  ok = ok && AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (is_ca) {
    ok = ok && AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    ok =
        ok && AddExtension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE") &&
        AddExtension(cert.get(), signer, NID_authority_key_identifier, "keyid:always") &&
        AddExtension(cert.get(), signer, NID_key_usage, "critical,digitalSignature") &&
        AddExtension(cert.get(), signer, NID_ext_key_usage, "serverAuth") &&
        AddExtension(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost");
  }
  ok = ok && X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0;
  if (!ok) return nullptr;
  return cert;
}

bool WritePem(const std::string& path, const std::function<bool(std::FILE*)>& write,
              std::string& error) {
  std::unique_ptr<std::FILE, FileClose> file(std::fopen(path.c_str(), "wb"));
  if (file == nullptr || !write(file.get())) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace

bool MakeTestPki(const std::filesystem::path& dir, const std::string& name, TestPki& pki,
                 std::string& error) {
  Key ca_key(EVP_EC_gen("P-256"));
  Key server_key(EVP_EC_gen("P-256"));
  if (ca_key == nullptr || server_key == nullptr) {
    error = OpenSslError("key generation");
    return false;
  }
  Cert ca = MakeCert(ca_key.get(), "mercato test CA " + name, nullptr, nullptr, /*is_ca=*/true);
  if (ca == nullptr) {
    error = OpenSslError("CA certificate");
    return false;
  }
  Cert server = MakeCert(server_key.get(), "localhost", ca.get(), ca_key.get(), /*is_ca=*/false);
  if (server == nullptr) {
    error = OpenSslError("server certificate");
    return false;
  }
  pki.ca_file = (dir / (name + "-ca.pem")).string();
  pki.cert_file = (dir / (name + "-server.pem")).string();
  pki.key_file = (dir / (name + "-server.key")).string();
  bool written =
      WritePem(
          pki.ca_file, [&](std::FILE* f) { return PEM_write_X509(f, ca.get()) == 1; }, error) &&
      WritePem(
          pki.cert_file,
          [&](std::FILE* f) {
            return PEM_write_X509(f, server.get()) == 1 && PEM_write_X509(f, ca.get()) == 1;
          },
          error) &&
      WritePem(
          pki.key_file,
          [&](std::FILE* f) {
            return fchmod(fileno(f), 0600) == 0 &&
                   PEM_write_PrivateKey(f, server_key.get(), nullptr, nullptr, 0, nullptr,
                                        nullptr) == 1;
          },
          error);
  return written;
}

}  // namespace mercato::testing

#include "server/tls_context.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "core/logging.h"

namespace mercato {
namespace {

// TLS 1.2 suites: ECDHE key exchange (forward secrecy) with AEAD ciphers, strongest first. TLS 1.3
// suites are OpenSSL's defaults, all of which are AEAD.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// Certificates and keys are a few KB; anything larger is not a PEM file meant for this.
constexpr size_t kMaxPemBytes = size_t{1} << 20;

// A passphrase callback that refuses: an encrypted key fails to load instead of prompting.
int NoPassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

// The reason of the most recent OpenSSL error ("key values mismatch"), clearing the queue.
std::string OpenSslReason() {
  unsigned long code = ERR_peek_last_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct FileClose {
  void operator()(std::FILE* file) const { (void)std::fclose(file); }
};
// Overwrites a buffer that held key material when the scope ends, whichever way it ends.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string& bytes) : bytes_(bytes) {}
  ~WipeOnExit() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::string& bytes_;
};

// The file's bytes, or InvalidArgument naming the file, what it was for and the OS's reason. Reads
// into one buffer allocated up front, so that no reallocation leaves copies of a key behind.
Result<std::string> ReadPemFile(const std::string& path, const std::string& what) {
  std::unique_ptr<std::FILE, FileClose> file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) {
    return Status::InvalidArgument("cannot read the TLS " + what + " file '" + path +
                                   "': " + std::generic_category().message(errno));
  }
  std::string bytes(kMaxPemBytes + 1, '\0');
  size_t read = std::fread(bytes.data(), 1, bytes.size(), file.get());
  bool failed = std::ferror(file.get()) != 0;
  bytes.resize(read);
  if (failed || read > kMaxPemBytes) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return Status::InvalidArgument("cannot read the TLS " + what + " file '" + path + "'" +
                                   (failed ? "" : ": it is over 1 MB"));
  }
  return bytes;
}

std::unique_ptr<BIO, BioFree> MemoryBio(const std::string& bytes) {
  return std::unique_ptr<BIO, BioFree>(
      BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

// Installs the leaf certificate and the chain behind it.
Status UseCertificateChain(SSL_CTX* context, const std::string& pem, const std::string& path) {
  auto bio = MemoryBio(pem);
  if (bio == nullptr) return Status::Internal("out of memory reading '" + path + "'");
  std::unique_ptr<X509, X509Free> leaf(
      PEM_read_bio_X509_AUX(bio.get(), nullptr, NoPassphrase, nullptr));
  if (leaf == nullptr) {
    ERR_clear_error();
    return Status::InvalidArgument("the TLS certificate file '" + path +
                                   "' holds no PEM certificate");
  }
  if (SSL_CTX_use_certificate(context, leaf.get()) != 1) {
    return Status::InvalidArgument("cannot use the certificate in '" + path +
                                   "': " + OpenSslReason());
  }
  if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) < 0) {
    LOG(WARNING) << "the TLS certificate in '" << path << "' has expired";
  }
  SSL_CTX_clear_chain_certs(context);
  while (true) {
    X509* next = PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr);
    if (next == nullptr) break;
    if (SSL_CTX_add0_chain_cert(context, next) != 1) {  // takes ownership on success only
      X509_free(next);
      return Status::InvalidArgument("cannot use a chain certificate in '" + path +
                                     "': " + OpenSslReason());
    }
  }
  // The loop ends at the end of the PEM data (no start line) or at garbage after the chain.
  unsigned long last = ERR_peek_last_error();
  bool clean_end = last == 0 || (ERR_GET_LIB(last) == ERR_LIB_PEM &&
                                 ERR_GET_REASON(last) == PEM_R_NO_START_LINE);
  ERR_clear_error();
  if (!clean_end) {
    return Status::InvalidArgument("the TLS certificate file '" + path +
                                   "' holds a malformed certificate after the first one");
  }
  return Status::Ok();
}

Status UsePrivateKey(SSL_CTX* context, const std::string& pem, const std::string& key_path,
                     const std::string& cert_path) {
  auto bio = MemoryBio(pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      bio != nullptr ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr)
                     : nullptr);
  if (key == nullptr) {
    ERR_clear_error();
    return Status::InvalidArgument("the TLS key file '" + key_path +
                                   "' holds no PEM private key (encrypted keys are not supported)");
  }
  if (SSL_CTX_use_PrivateKey(context, key.get()) != 1 || SSL_CTX_check_private_key(context) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("the TLS private key in '" + key_path +
                                   "' does not match the certificate in '" + cert_path + "'");
  }
  return Status::Ok();
}

}  // namespace

Result<SslCtxPtr> NewServerTlsContext(const std::string& cert_file, const std::string& key_file) {
  if (cert_file.empty() || key_file.empty()) {
    return Status::InvalidArgument(
        "TLS needs both a certificate file and a private key file; only the " +
        std::string(cert_file.empty() ? "key" : "certificate") + " is set");
  }
  ASSIGN_OR_RETURN(std::string cert_pem, ReadPemFile(cert_file, "certificate"));
  ASSIGN_OR_RETURN(std::string key_pem, ReadPemFile(key_file, "key"));
  WipeOnExit wipe_key(key_pem);
  SslCtxPtr context(SSL_CTX_new(TLS_server_method()));
  if (context == nullptr) {
    return Status::Internal("cannot create a TLS context: " + OpenSslReason());
  }
  SSL_CTX* ctx = context.get();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return Status::Internal("cannot configure the TLS context: " + OpenSslReason());
  }
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  RETURN_IF_ERROR(UseCertificateChain(ctx, cert_pem, cert_file));
  RETURN_IF_ERROR(UsePrivateKey(ctx, key_pem, key_file, cert_file));
  return context;
}

}  // namespace mercato

// HTTPS on HttpServer: certificates made at run time (support/test_pki.h), an in-process server on
// 127.0.0.1 port 0, and the real binary driven by curl.

#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>

#include "core/metrics.h"
#include "server/http_server.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/test_pki.h"
#include "support/test_support.h"
#include "support/tls_client.h"

namespace mercato::testing {
namespace {

// Answers every request with its method, path and peer address.
void EchoHandler(HttpRequest&& request, Responder respond) {
  HttpResponse response;
  response.content_type = "text/plain";
  response.body = "hello over TLS: " + request.method + " " + request.path + " from " +
                  request.remote_address + " body=" + std::to_string(request.body.size());
  respond(std::move(response));
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(MakeTestPki(dir_.path(), "main", pki_, error)) << error;
  }

  // Starts an HTTPS server with the test certificate and `options`' limits.
  std::unique_ptr<HttpServer> StartServer(HttpServerOptions options = {}) {
    options.tls_cert_file = pki_.cert_file;
    options.tls_key_file = pki_.key_file;
    auto server = std::make_unique<HttpServer>(options, EchoHandler, &metrics_);
    start_status_ = server->Start();
    return server;
  }

  TlsClient Client(uint16_t port, const std::string& ca_file, const std::string& name = {}) {
    TlsClientOptions options;
    options.port = port;
    options.ca_file = ca_file;
    options.verify_name = name;
    return TlsClient(options);
  }

  Status StartStatusWith(const std::string& cert_file, const std::string& key_file) {
    HttpServerOptions options;
    options.tls_cert_file = cert_file;
    options.tls_key_file = key_file;
    HttpServer server(options, EchoHandler, nullptr);
    return server.Start();
  }

  std::string WriteFile(const std::string& name, const std::string& contents) {
    std::string path = (dir_.path() / name).string();
    std::ofstream(path) << contents;
    return path;
  }

  uint64_t CounterValue(const std::string& name, const Labels& labels = {}) {
    return metrics_.GetCounter(name, "", labels).Value();
  }

  TempDir dir_;
  TestPki pki_;
  MetricsRegistry metrics_;
  Status start_status_;
};

TEST_F(TlsTest, VerifiedHttpsRequestGetsItsAnswer) {
  auto server = StartServer();
  ASSERT_TRUE(start_status_.ok()) << start_status_.ToString();
  EXPECT_TRUE(server->tls());
  // The certificate names 127.0.0.1 and localhost; the chain in the file leads to the CA.
  for (const char* name : {"127.0.0.1", "localhost"}) {
    auto response = Client(server->port(), pki_.ca_file, name).Request("POST", "/v1/x", "12345");
    ASSERT_EQ(response.status, 200) << name << ": " << response.error;
    EXPECT_EQ(response.body, "hello over TLS: POST /v1/x from 127.0.0.1 body=5");
  }
}

TEST_F(TlsTest, ClientTrustingAnotherCaOrNameRefusesTheServer) {
  TestPki other;
  std::string error;
  ASSERT_TRUE(MakeTestPki(dir_.path(), "other", other, error)) << error;
  auto server = StartServer();
  ASSERT_TRUE(start_status_.ok()) << start_status_.ToString();
  auto wrong_ca = Client(server->port(), other.ca_file).Request("GET", "/");
  EXPECT_EQ(wrong_ca.status, 0);
  EXPECT_NE(wrong_ca.error.find("handshake"), std::string::npos) << wrong_ca.error;
  auto wrong_name = Client(server->port(), pki_.ca_file, "other.example").Request("GET", "/");
  EXPECT_EQ(wrong_name.status, 0);
  EXPECT_NE(wrong_name.error.find("handshake"), std::string::npos) << wrong_name.error;
  // Failed handshakes are counted, and the server still serves verified clients.
  EXPECT_TRUE(WaitFor(
      [&] { return CounterValue("mercato_http_tls_handshake_failures_total") >= 2; }, 5000));
  EXPECT_EQ(Client(server->port(), pki_.ca_file).Request("GET", "/").status, 200);
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsNoHttpAnswer) {
  auto server = StartServer();
  ASSERT_TRUE(start_status_.ok()) << start_status_.ToString();
  HttpClient plain(server->port());
  auto started = std::chrono::steady_clock::now();
  std::string raw = plain.SendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 5000);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(raw.find("HTTP/"), std::string::npos) << raw;
  EXPECT_LT(waited, std::chrono::milliseconds(4000));  // closed by the server, not by the timeout
  auto response = plain.Get("/");
  EXPECT_EQ(response.status, 0);
}

TEST_F(TlsTest, ProtocolsOlderThanTls12AreRefused) {
  auto server = StartServer();
  ASSERT_TRUE(start_status_.ok()) << start_status_.ToString();
  TlsClientOptions options;
  options.port = server->port();
  options.ca_file = pki_.ca_file;
  options.max_tls_version = TLS1_1_VERSION;
  auto old = TlsClient(options).Request("GET", "/");
  EXPECT_EQ(old.status, 0);
  EXPECT_NE(old.error.find("handshake"), std::string::npos) << old.error;
  options.max_tls_version = TLS1_2_VERSION;
  auto tls12 = TlsClient(options).Request("GET", "/");
  EXPECT_EQ(tls12.status, 200) << tls12.error;
}

TEST_F(TlsTest, SilentClientIsCutAtTheHandshakeDeadline) {
  HttpServerOptions options;
  options.header_timeout_ms = 300;
  auto server = StartServer(options);
  ASSERT_TRUE(start_status_.ok()) << start_status_.ToString();
  HttpClient silent(server->port());
  auto started = std::chrono::steady_clock::now();
  std::string raw = silent.SendRaw("", 5000);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(raw.empty());
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::milliseconds(3000));
  EXPECT_TRUE(WaitFor(
      [&] {
        return CounterValue("mercato_http_timeouts_total", {{"phase", "handshake"}}) == 1;
      },
      5000));
}

TEST_F(TlsTest, LimitsStillApplyOverTls) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartServer(options);
  ASSERT_TRUE(start_status_.ok()) << start_status_.ToString();
  auto small = Client(server->port(), pki_.ca_file).Request("POST", "/", std::string(1024, 'a'));
  EXPECT_EQ(small.status, 200) << small.error;
  auto large = Client(server->port(), pki_.ca_file).Request("POST", "/", std::string(1025, 'a'));
  EXPECT_EQ(large.status, 413) << large.error;
}

TEST_F(TlsTest, BadConfigurationIsAClearStartError) {
  TestPki other;
  std::string error;
  ASSERT_TRUE(MakeTestPki(dir_.path(), "other", other, error)) << error;
  std::string garbage = WriteFile("garbage.pem", "this is not PEM\n");
  struct Case {
    std::string cert, key, expected;
  };
  const Case cases[] = {
      {pki_.cert_file, "", "both a certificate file and a private key file"},
      {"", pki_.key_file, "both a certificate file and a private key file"},
      {pki_.cert_file, (dir_.path() / "missing.key").string(), "No such file or directory"},
      {(dir_.path() / "missing.pem").string(), pki_.key_file, "missing.pem"},
      {pki_.cert_file, other.key_file, "does not match the certificate"},
      {garbage, pki_.key_file, "holds no PEM certificate"},
      {pki_.cert_file, garbage, "holds no PEM private key"},
      {pki_.key_file, pki_.key_file, "holds no PEM certificate"},
  };
  for (const Case& c : cases) {
    Status status = StartStatusWith(c.cert, c.key);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.cert << " " << c.key;
    EXPECT_NE(status.message().find(c.expected), std::string::npos) << status.ToString();
  }
  EXPECT_TRUE(StartStatusWith(pki_.cert_file, pki_.key_file).ok());
}

// The real binary with --tls-cert/--tls-key, an event posted by curl that verifies the server.
TEST_F(TlsTest, ServeWithTlsAcceptsEventsFromCurl) {
  if (!RunCommand("curl --version >/dev/null 2>&1")) GTEST_SKIP() << "curl not installed";
  TempDir data;
  ServerProcess process;
  std::string error;
  ASSERT_TRUE(process.Start({"--data-dir", data.str(), "--write-key", "tls-write-key", "--tls-cert",
                             pki_.cert_file, "--tls-key", pki_.key_file},
                            error))
      << error;
  EXPECT_EQ(process.scheme(), "https");
  const std::string url = "https://127.0.0.1:" + std::to_string(process.port());
  auto output = RunCommand("curl -sS --max-time 10 --cacert " + pki_.ca_file +
                           " -u tls-write-key: -H 'Content-Type: application/json'"
                           " -d '{\"userId\":\"u1\",\"event\":\"Signed Up\"}'"
                           " -w ' HTTP %{http_code}' " +
                           url + "/v1/track");
  ASSERT_TRUE(output.has_value());
  EXPECT_NE(output->find("\"success\":true"), std::string::npos) << *output;
  EXPECT_NE(output->find("HTTP 200"), std::string::npos) << *output;
  // Without the CA, curl refuses the server; over plain HTTP the port gives no answer.
  EXPECT_FALSE(RunCommand("curl -sS --max-time 10 " + url + "/healthz 2>/dev/null"));
  EXPECT_FALSE(RunCommand("curl -sS --max-time 10 http://127.0.0.1:" +
                          std::to_string(process.port()) + "/healthz 2>/dev/null"));
  EXPECT_EQ(process.Terminate(), 0);
}

}  // namespace
}  // namespace mercato::testing

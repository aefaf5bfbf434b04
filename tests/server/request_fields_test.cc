// The fields HttpServer fills in from the connection and headers: the peer's address and Origin.

#include <gtest/gtest.h>

#include "server/http_server.h"
#include "support/http_client.h"

namespace mercato::testing {
namespace {

// Answers "<remote_address>|<origin>".
HttpServer EchoServer(const std::string& address) {
  HttpServerOptions options;
  options.address = address;
  return HttpServer(
      options,
      [](HttpRequest&& request, Responder respond) {
        HttpResponse response;
        response.content_type = "text/plain";
        response.body = request.remote_address + "|" + request.origin;
        respond(std::move(response));
      },
      nullptr);
}

TEST(RequestFieldsTest, RemoteAddressAndOriginOverIpv4) {
  HttpServer server = EchoServer("127.0.0.1");
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(server.port());
  auto response = client.Request("GET", "/", {}, {{"Origin", "https://shop.example"}});
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.body, "127.0.0.1|https://shop.example");
  EXPECT_EQ(client.Get("/").body, "127.0.0.1|");
}

TEST(RequestFieldsTest, RemoteAddressOverIpv6) {
  HttpServer server = EchoServer("::1");
  if (!server.Start().ok()) GTEST_SKIP() << "no IPv6 loopback";
  HttpClient client(server.port(), "::1");
  auto response = client.Get("/");
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.body, "::1|");
}

TEST(RequestFieldsTest, CanonicalAddressText) {
  EXPECT_EQ(CanonicalAddressText("127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(CanonicalAddressText("::ffff:10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(CanonicalAddressText("::1"), "::1");
  EXPECT_EQ(CanonicalAddressText("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  EXPECT_EQ(CanonicalAddressText("fe80::1%1"), "fe80::1");
  EXPECT_EQ(CanonicalAddressText("not an address"), "");
}

}  // namespace
}  // namespace mercato::testing

#include "support/tls_client.h"

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>

namespace mercato::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// Runs one asynchronous step to completion; the stream's timer bounds it.
template <class Start>
beast::error_code RunStep(net::io_context& ioc, Start start) {
  beast::error_code result = net::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

}  // namespace

ClientResponse TlsClient::Request(const std::string& method, const std::string& target,
                                  const std::string& body,
                                  const std::vector<std::pair<std::string, std::string>>& headers) {
  ClientResponse out;
  const std::string verify_name =
      options_.verify_name.empty() ? options_.host : options_.verify_name;
  ssl::context context(SSL_CTX_new(TLS_client_method()));
  beast::error_code ec;
  context.load_verify_file(options_.ca_file, ec);
  if (ec) {
    out.error = "ca file: " + ec.message();
    return out;
  }
  context.set_verify_mode(ssl::verify_peer, ec);
  if (options_.max_tls_version != 0) {
    // Lets old protocol versions be offered at all, so that only the server can refuse them.
    SSL_CTX_set_security_level(context.native_handle(), 0);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(context.native_handle(), options_.max_tls_version);
  }

  net::io_context ioc;
  beast::ssl_stream<beast::tcp_stream> stream(ioc, context);
  auto& tcp_stream = beast::get_lowest_layer(stream);
  const auto timeout = std::chrono::milliseconds(options_.timeout_ms);
  stream.set_verify_callback(ssl::host_name_verification(verify_name), ec);
  beast::error_code address_ec;
  net::ip::make_address(verify_name, address_ec);
  if (address_ec) SSL_set_tlsext_host_name(stream.native_handle(), verify_name.c_str());  // SNI

  tcp::endpoint endpoint(net::ip::make_address(options_.host, address_ec), options_.port);
  tcp_stream.expires_after(timeout);
  ec = RunStep(ioc, [&](auto handler) { tcp_stream.async_connect(endpoint, handler); });
  if (ec) {
    out.error = "connect: " + ec.message();
    return out;
  }
  tcp_stream.expires_after(timeout);
  ec = RunStep(ioc,
               [&](auto handler) { stream.async_handshake(ssl::stream_base::client, handler); });
  if (ec) {
    out.error = "handshake: " + ec.message();
    return out;
  }

  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, verify_name);
  request.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) {
    if (!value.empty()) request.set(name, value);
  }
  request.body() = body;
  request.prepare_payload();
  tcp_stream.expires_after(timeout);
  ec = RunStep(ioc, [&](auto handler) { http::async_write(stream, request, handler); });
  if (ec) {
    out.error = "write: " + ec.message();
    return out;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  tcp_stream.expires_after(timeout);
  ec = RunStep(ioc, [&](auto handler) { http::async_read(stream, buffer, parser, handler); });
  if (ec) {
    out.error = "read: " + ec.message();
    return out;
  }
  auto& response = parser.get();
  out.status = response.result_int();
  out.body = response.body();
  for (const auto& field : response) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  tcp_stream.expires_after(timeout);
  (void)RunStep(ioc, [&](auto handler) { stream.async_shutdown(handler); });
  return out;
}

}  // namespace mercato::testing

#include "support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace mercato::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string ClientResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

class HttpClient::Impl {
 public:
  Impl(uint16_t port, std::string host) : port_(port), host_(std::move(host)) {}

  ClientResponse Request(const std::string& method, const std::string& target,
                         const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
    ClientResponse out;
    for (int attempt = 0; attempt < 2; ++attempt) {
      beast::error_code ec;
      if (!stream_) {
        stream_.emplace(ioc_);
        stream_->expires_after(std::chrono::seconds(30));
        stream_->connect(tcp::endpoint(net::ip::make_address(host_), port_), ec);
        if (ec) {
          stream_.reset();
          out.error = "connect: " + ec.message();
          return out;
        }
      }
      http::request<http::string_body> request(http::string_to_verb(method), target, 11);
      request.set(http::field::host, host_);
      request.set(http::field::content_type, "application/json");
      for (const auto& [name, value] : headers) {
        if (!value.empty()) request.set(name, value);
      }
      request.body() = body;
      request.prepare_payload();
      stream_->expires_after(std::chrono::seconds(30));
      http::write(*stream_, request, ec);
      if (ec) {
        stream_.reset();
        out.error = "write: " + ec.message();
        continue;  // the server may have closed an idle keep-alive connection
      }
      beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 << 20);
      http::read(*stream_, buffer, parser, ec);
      if (ec) {
        stream_.reset();
        out.error = "read: " + ec.message();
        if (attempt == 0 && ec == http::error::end_of_stream) continue;
        return out;
      }
      auto& response = parser.get();
      out.status = response.result_int();
      out.body = response.body();
      out.error.clear();
      for (const auto& field : response) {
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      if (!response.keep_alive()) stream_.reset();
      return out;
    }
    return out;
  }

  std::string SendRaw(const std::string& bytes, int timeout_ms) {
    beast::tcp_stream stream(ioc_);
    beast::error_code ec;
    stream.expires_after(std::chrono::milliseconds(timeout_ms));
    stream.connect(tcp::endpoint(net::ip::make_address(host_), port_), ec);
    if (ec) return {};
    stream.expires_after(std::chrono::milliseconds(timeout_ms));
    net::write(stream, net::buffer(bytes), ec);
    std::string received;
    char chunk[4096];
    while (true) {
      stream.expires_after(std::chrono::milliseconds(timeout_ms));
      size_t n = stream.read_some(net::buffer(chunk), ec);
      received.append(chunk, n);
      if (ec) break;
    }
    return received;
  }

 private:
  net::io_context ioc_;
  uint16_t port_;
  std::string host_;
  std::optional<beast::tcp_stream> stream_;
};

HttpClient::HttpClient(uint16_t port, std::string host)
    : impl_(std::make_unique<Impl>(port, std::move(host))) {}
HttpClient::~HttpClient() = default;

ClientResponse HttpClient::Request(
    const std::string& method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  return impl_->Request(method, target, body, headers);
}

std::string HttpClient::SendRaw(const std::string& bytes, int timeout_ms) {
  return impl_->SendRaw(bytes, timeout_ms);
}

std::string BasicAuth(const std::string& key) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string in = key + ":";
  std::string out;
  size_t k = 0;
  for (; k + 2 < in.size(); k += 3) {
    uint32_t v = (uint8_t(in[k]) << 16) | (uint8_t(in[k + 1]) << 8) | uint8_t(in[k + 2]);
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], kTable[v & 63]};
  }
  if (k + 1 == in.size()) {
    uint32_t v = uint8_t(in[k]) << 16;
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], '=', '='};
  } else if (k + 2 == in.size()) {
    uint32_t v = (uint8_t(in[k]) << 16) | (uint8_t(in[k + 1]) << 8);
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], '='};
  }
  return "Basic " + out;
}

}  // namespace mercato::testing

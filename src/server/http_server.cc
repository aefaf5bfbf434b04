#include "server/http_server.h"

#include <arpa/inet.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/logging.h"
#include "server/tls_context.h"

namespace mercato {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// The client's request id when it is safe to log and echo, else a fresh one.
std::string RequestIdFor(std::string_view given) {
  const bool usable =
      !given.empty() && given.size() <= 128 && std::all_of(given.begin(), given.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == ':' || c == '-';
      });
  if (usable) return std::string(given);
  thread_local std::mt19937_64 rng(std::random_device{}() ^
                                   std::hash<std::thread::id>{}(std::this_thread::get_id()));
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(rng()));
  return buffer;
}

constexpr std::string_view kServerHeader = "mercato";

// An answer to a connection over a limit, built once with its exact Content-Length.
std::string BusyResponseFor(const std::string& error) {
  const std::string body = "{\"success\":false,\"error\":\"" + error + "\"}";
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
         "Retry-After: 1\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}
const std::string& BusyResponse() {
  static const std::string response = BusyResponseFor("too many connections; retry later");
  return response;
}
const std::string& BusyAddressResponse() {
  static const std::string response =
      BusyResponseFor("too many connections from this address; retry later");
  return response;
}

// The text of an IP address as requests carry it: IPv4-mapped IPv6 as IPv4, no IPv6 zone. Formats
// with inet_ntop, which reports failure by value (the Asio formatters throw). Empty on failure.
std::string AddressText(const net::ip::address& address) {
  char text[INET6_ADDRSTRLEN] = {};
  const char* written = nullptr;
  if (address.is_v4()) {
    net::ip::address_v4::bytes_type bytes = address.to_v4().to_bytes();
    written = inet_ntop(AF_INET, bytes.data(), text, sizeof(text));
  } else if (address.is_v6()) {
    net::ip::address_v6 v6 = address.to_v6();
    net::ip::address_v6::bytes_type bytes = v6.to_bytes();
    written = v6.is_v4_mapped() ? inet_ntop(AF_INET, bytes.data() + 12, text, sizeof(text))
                                : inet_ntop(AF_INET6, bytes.data(), text, sizeof(text));
  }
  return written != nullptr ? std::string(written) : std::string();
}

// The phases of a connection that have a deadline (HttpServerOptions).
enum class Phase { kHandshake = 0, kHeader, kBody, kWrite };
constexpr size_t kPhases = 4;

struct Shared {
  HttpServerOptions options;
  Handler handler;
  std::optional<net::ssl::context> tls;  // set by Start when the listener speaks HTTPS
  std::atomic<size_t> connections{0};
  std::atomic<bool> stopping{false};  // connections close after their current response
  // Signalled when the last connection closes, so a stop can wait for the drain.
  std::mutex drained_mu;
  std::condition_variable drained_cv;
  // Open connections per client address; only used when max_connections_per_address > 0.
  std::mutex addresses_mu;
  std::unordered_map<std::string, size_t> per_address;  // guarded by addresses_mu

  Counter* rejected = nullptr;
  Counter* handshake_failures = nullptr;
  std::array<Counter*, kPhases> timeouts{};

  void ConnectionClosed() {
    if (connections.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(drained_mu);
      drained_cv.notify_all();
    }
  }
  // Counts a connection of `address`; false (nothing counted) when the address is at its cap.
  // Only called when max_connections_per_address > 0, so an entry is never left at zero.
  bool AcquireAddress(const std::string& address) {
    std::lock_guard lock(addresses_mu);
    size_t& open = per_address[address];
    if (open >= options.max_connections_per_address) return false;
    ++open;
    return true;
  }
  void ReleaseAddress(const std::string& address) {
    std::lock_guard lock(addresses_mu);
    auto it = per_address.find(address);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  }
  void CountTimeout(Phase phase) const {
    if (Counter* counter = timeouts[static_cast<size_t>(phase)]; counter != nullptr) counter->Inc();
  }
};

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection: reads requests one after the other, hands each to the handler and writes its
// response. Stream is PlainStream or TlsStream, so the plain path pays nothing for TLS. Every
// method runs on the connection's strand.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `counts_address`: whether the connection holds one of its address's slots.
  Session(tcp::socket&& socket, Shared& shared, std::string remote_address, bool counts_address)
      : stream_(MakeStream(std::move(socket), shared)),
        shared_(shared),
        remote_address_(std::move(remote_address)),
        counts_address_(counts_address) {}
  ~Session() {
    if (counts_address_) shared_.ReleaseAddress(remote_address_);
    shared_.ConnectionClosed();
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->Begin(); });
  }

 private:
  static Stream MakeStream(tcp::socket&& socket, Shared& shared) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *shared.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  void ExpiresAfter(int64_t ms) { Tcp().expires_after(std::chrono::milliseconds(ms)); }

  void Begin() {
    if constexpr (kTls) {
      ExpiresAfter(shared_.options.header_timeout_ms);
      stream_.async_handshake(
          net::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
    } else {
      ReadHeader();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      if (ec == beast::error::timeout) {
        shared_.CountTimeout(Phase::kHandshake);
      } else if (shared_.handshake_failures != nullptr) {
        shared_.handshake_failures->Inc();
      }
      return Close(/*graceful=*/false);
    }
    ReadHeader();
  }

  // One deadline for the whole header phase: Beast's stream timer is absolute, so bytes trickled
  // one at a time do not extend it.
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_.options.max_header_bytes));
    parser_->body_limit(shared_.options.max_body_bytes);
    ExpiresAfter(shared_.options.header_timeout_ms);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return HandleReadError(ec, Phase::kHeader);
    auto length = parser_->content_length();
    if (length && *length > shared_.options.max_body_bytes) {
      return SendError(
          413, "request body exceeds " + std::to_string(shared_.options.max_body_bytes) + " bytes");
    }
    ExpiresAfter(shared_.options.body_timeout_ms);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void HandleReadError(beast::error_code ec, Phase phase) {
    if (ec == http::error::body_limit) {
      return SendError(
          413, "request body exceeds " + std::to_string(shared_.options.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) return SendError(431, "request headers are too large");
    if (ec == beast::error::timeout) {
      shared_.CountTimeout(phase);
      return Close(/*graceful=*/false);
    }
    // The client ended the connection between requests: on TLS with a close_notify, answered.
    if (ec == http::error::end_of_stream || ec == net::error::eof) return Close(/*graceful=*/true);
    if (ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return Close(/*graceful=*/false);
    }
    if (ec.category() == beast::error_code(http::error::bad_target).category()) {
      return SendError(400, "malformed HTTP request: " + ec.message());
    }
    Close(/*graceful=*/false);
  }

  void OnRead(beast::error_code ec) {
    if (ec) return HandleReadError(ec, Phase::kBody);
    Tcp().expires_never();
    http::request<http::string_body> message = parser_->release();
    keep_alive_ = message.keep_alive();
    HttpRequest request;
    request.method = std::string(message.method_string());
    std::string_view target = message.target();
    size_t question = target.find('?');
    std::string raw_path(target.substr(0, question));
    if (question != std::string_view::npos)
      request.query = std::string(target.substr(question + 1));
    request.raw_path = raw_path;
    if (!PercentDecode(raw_path, request.path)) {
      return SendError(400, "malformed percent-encoding in the path");
    }
    request.authorization = std::string(message[http::field::authorization]);
    request.content_encoding = std::string(message[http::field::content_encoding]);
    request.content_type = std::string(message[http::field::content_type]);
    request.origin = std::string(message[http::field::origin]);
    request.host = std::string(message[http::field::host]);
    request.remote_address = remote_address_;
    request.forwarded = !message["X-Mercato-Forwarded"].empty();
    request.request_id = RequestIdFor(message["X-Request-Id"]);
    request.body = std::move(message.body());
    auto self = this->shared_from_this();
    Responder responder = [self](HttpResponse response) {
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->Send(std::move(response));
      });
    };
    shared_.handler(std::move(request), std::move(responder));
  }

  void SendError(int status, const std::string& message) {
    keep_alive_ = false;
    HttpResponse response;
    response.status = status;
    response.body = "{\"success\":false,\"error\":\"" + message + "\"}";
    Send(std::move(response));
  }

  // One deadline for the whole response: a client that stops reading is cut at write_timeout.
  void Send(HttpResponse response) {
    auto out = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    out->set(http::field::server, kServerHeader);
    out->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) out->set(name, value);
    out->keep_alive(keep_alive_);
    out->body() = std::move(response.body);
    out->prepare_payload();
    ExpiresAfter(shared_.options.write_timeout_ms);
    http::async_write(
        stream_, *out, [self = this->shared_from_this(), out](beast::error_code ec, size_t) {
          if (ec) {
            if (ec == beast::error::timeout) self->shared_.CountTimeout(Phase::kWrite);
            return self->Close(/*graceful=*/false);
          }
          if (!out->keep_alive() || self->shared_.stopping.load(std::memory_order_relaxed)) {
            return self->Close(/*graceful=*/true);
          }
          self->ReadHeader();
        });
  }

  // `graceful`: the connection is in a clean state, so TLS sends its close_notify (bounded by
  // write_timeout) before the socket closes. Otherwise, and after a timeout, the socket just
  // closes.
  void Close(bool graceful) {
    if constexpr (kTls) {
      if (graceful) {
        ExpiresAfter(shared_.options.write_timeout_ms);
        stream_.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->Tcp().close(); });
        return;
      }
    } else {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    Tcp().close();
  }

  Stream stream_;
  Shared& shared_;
  const std::string remote_address_;
  const bool counts_address_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, Handler handler, MetricsRegistry* metrics)
      : ioc_(options.threads), acceptor_(net::make_strand(ioc_)) {
    shared_.options = std::move(options);
    shared_.handler = std::move(handler);
    if (metrics != nullptr) {
      shared_.rejected = &metrics->GetCounter(
          "mercato_http_connections_rejected_total",
          "Connections refused over the connection limit or the per-address limit");
      constexpr std::array<const char*, kPhases> kPhaseNames = {"handshake", "header", "body",
                                                                "write"};
      for (size_t k = 0; k < kPhases; ++k) {
        shared_.timeouts[k] = &metrics->GetCounter("mercato_http_timeouts_total",
                                                   "Connections closed at a phase's deadline",
                                                   {{"phase", kPhaseNames[k]}});
      }
      if (!shared_.options.tls_cert_file.empty()) {
        shared_.handshake_failures =
            &metrics->GetCounter("mercato_http_tls_handshake_failures_total",
                                 "TLS handshakes that failed (not counting timeouts)");
      }
      Shared* shared = &shared_;
      metrics->AddGaugeCallback("mercato_http_connections", "Open HTTP connections", {}, [shared] {
        return static_cast<double>(shared->connections.load(std::memory_order_relaxed));
      });
    }
  }

  Status Start() {
    const HttpServerOptions& options = shared_.options;
    if (options.header_timeout_ms <= 0 || options.body_timeout_ms <= 0 ||
        options.write_timeout_ms <= 0) {
      return Status::InvalidArgument("the header, body and write timeouts must be positive");
    }
    if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
      ASSIGN_OR_RETURN(SslCtxPtr context,
                       NewServerTlsContext(options.tls_cert_file, options.tls_key_file));
      shared_.tls.emplace(context.release());  // the Asio context owns it from here
    }
    beast::error_code ec;
    auto address = net::ip::make_address(options.address, ec);
    if (ec) return Status::InvalidArgument("bad listen address '" + options.address + "'");
    tcp::endpoint endpoint(address, options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::IoError("cannot listen on " + options.address + ":" +
                             std::to_string(options.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    Accept();
    for (int k = 0; k < std::max(1, options.threads); ++k) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    return Status::Ok();
  }

  void StopAccepting() {
    if (shared_.stopping.exchange(true)) return;
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      retry_timer_.cancel();
    });
  }

  void Stop(int64_t drain_ms) {
    if (stopped_.exchange(true)) return;
    StopAccepting();
    // Let responses already on their way (answers of the log's last group) reach their clients;
    // idle keep-alive connections are cut when the deadline passes.
    if (!threads_.empty()) {
      std::unique_lock lock(shared_.drained_mu);
      shared_.drained_cv.wait_for(lock, std::chrono::milliseconds(drain_ms),
                                  [this] { return shared_.connections.load() == 0; });
    }
    ioc_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  uint16_t port() const { return port_; }
  bool tls() const { return shared_.tls.has_value(); }

 private:
  void Accept() {
    acceptor_.async_accept(
        net::make_strand(ioc_), peer_,
        [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      // Out of descriptors (EMFILE) and the like: the pending connection stays in the backlog, so
      // retrying at once would spin. Wait, then accept again.
      LOG(WARNING) << "accept failed: " << ec.message() << "; retrying in 100 ms";
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) Accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    Admit(std::move(socket), AddressText(peer_.address()));
    if (acceptor_.is_open()) Accept();
  }

  // Starts a session for the connection, or refuses it when it is over a limit.
  void Admit(tcp::socket socket, std::string address) {
    size_t open = shared_.connections.fetch_add(1, std::memory_order_relaxed);
    if (open >= shared_.options.max_connections) {
      shared_.ConnectionClosed();
      return Refuse(std::move(socket), BusyResponse());
    }
    bool counts_address = shared_.options.max_connections_per_address > 0;
    if (counts_address && !shared_.AcquireAddress(address)) {
      shared_.ConnectionClosed();
      return Refuse(std::move(socket), BusyAddressResponse());
    }
    if (shared_.tls) {
      std::make_shared<Session<TlsStream>>(std::move(socket), shared_, std::move(address),
                                           counts_address)
          ->Run();
    } else {
      std::make_shared<Session<PlainStream>>(std::move(socket), shared_, std::move(address),
                                             counts_address)
          ->Run();
    }
  }

  // A plain connection gets the 503 (it fits the socket's buffer, so the write does not wait on
  // the client); a TLS connection is closed at once, since answering would take a handshake.
  void Refuse(tcp::socket socket, const std::string& response) {
    if (shared_.rejected != nullptr) shared_.rejected->Inc();
    auto rejected = std::make_shared<tcp::socket>(std::move(socket));
    auto close = [rejected](beast::error_code, size_t) {
      beast::error_code ignored;
      rejected->shutdown(tcp::socket::shutdown_both, ignored);
      rejected->close(ignored);
    };
    if (shared_.tls) return close({}, 0);
    net::async_write(*rejected, net::buffer(response), std::move(close));
  }

  // shared_ outlives ioc_: pending handlers destroyed with ioc_ still reach it through sessions.
  Shared shared_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  tcp::endpoint peer_;  // the peer of the connection being accepted; on the acceptor's strand
  net::steady_timer retry_timer_{acceptor_.get_executor()};  // used on the acceptor's strand
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler, MetricsRegistry* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), metrics)) {}
HttpServer::~HttpServer() { Stop(0); }
Status HttpServer::Start() { return impl_->Start(); }
void HttpServer::StopAccepting() { impl_->StopAccepting(); }
void HttpServer::Stop(int64_t drain_ms) { impl_->Stop(drain_ms); }
uint16_t HttpServer::port() const { return impl_->port(); }
bool HttpServer::tls() const { return impl_->tls(); }

std::string CanonicalAddressText(const std::string& address) {
  beast::error_code ec;
  net::ip::address parsed = net::ip::make_address(address, ec);
  return ec ? std::string() : AddressText(parsed);
}

}  // namespace mercato

#include "server/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/logging.h"

namespace mercato {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::string_view kServerHeader = "mercato";
// The answer to a connection over the limit, built once with its exact Content-Length.
const std::string& BusyResponse() {
  static const std::string response = [] {
    const std::string body = "{\"success\":false,\"error\":\"too many connections; retry later\"}";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Retry-After: 1\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }();
  return response;
}

struct Shared {
  HttpServerOptions options;
  Handler handler;
  std::atomic<size_t> connections{0};
  std::atomic<bool> stopping{false};  // connections close after their current response
  // Signalled when the last connection closes, so a stop can wait for the drain.
  std::mutex drained_mu;
  std::condition_variable drained_cv;

  void ConnectionClosed() {
    if (connections.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(drained_mu);
      drained_cv.notify_all();
    }
  }
  Counter* rejected = nullptr;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {}
  ~Session() { shared_.ConnectionClosed(); }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_.options.max_header_bytes));
    parser_->body_limit(shared_.options.max_body_bytes);
    stream_.expires_after(std::chrono::milliseconds(shared_.options.header_timeout_ms));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return HandleReadError(ec);
    auto length = parser_->content_length();
    if (length && *length > shared_.options.max_body_bytes) {
      return SendError(
          413, "request body exceeds " + std::to_string(shared_.options.max_body_bytes) + " bytes");
    }
    stream_.expires_after(std::chrono::milliseconds(shared_.options.body_timeout_ms));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void HandleReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return SendError(
          413, "request body exceeds " + std::to_string(shared_.options.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) return SendError(431, "request headers are too large");
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return Close();
    }
    if (ec.category() == beast::error_code(http::error::bad_target).category()) {
      return SendError(400, "malformed HTTP request: " + ec.message());
    }
    Close();
  }

  void OnRead(beast::error_code ec) {
    if (ec) return HandleReadError(ec);
    stream_.expires_never();
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
    request.body = std::move(message.body());
    auto self = shared_from_this();
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

  void Send(HttpResponse response) {
    auto out = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    out->set(http::field::server, kServerHeader);
    out->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) out->set(name, value);
    out->keep_alive(keep_alive_);
    out->body() = std::move(response.body);
    out->prepare_payload();
    stream_.expires_after(std::chrono::milliseconds(shared_.options.body_timeout_ms));
    http::async_write(
        stream_, *out, [self = shared_from_this(), out](beast::error_code ec, size_t) {
          if (ec || !out->keep_alive() || self->shared_.stopping.load(std::memory_order_relaxed)) {
            return self->Close();
          }
          self->ReadHeader();
        });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Shared& shared_;
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
      shared_.rejected = &metrics->GetCounter("mercato_http_connections_rejected_total",
                                              "Connections refused over the connection limit");
      Shared* shared = &shared_;
      metrics->AddGaugeCallback("mercato_http_connections", "Open HTTP connections", {}, [shared] {
        return static_cast<double>(shared->connections.load(std::memory_order_relaxed));
      });
    }
  }

  Status Start() {
    beast::error_code ec;
    auto address = net::ip::make_address(shared_.options.address, ec);
    if (ec) return Status::InvalidArgument("bad listen address '" + shared_.options.address + "'");
    tcp::endpoint endpoint(address, shared_.options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::IoError("cannot listen on " + shared_.options.address + ":" +
                             std::to_string(shared_.options.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int k = 0; k < std::max(1, shared_.options.threads); ++k) {
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

 private:
  void Accept() {
    acceptor_.async_accept(
        net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
          if (ec) {
            if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
            // Out of descriptors (EMFILE) and the like: the pending connection stays in the
            // backlog, so retrying at once would spin. Wait, then accept again.
            LOG(WARNING) << "accept failed: " << ec.message() << "; retrying in 100 ms";
            retry_timer_.expires_after(std::chrono::milliseconds(100));
            retry_timer_.async_wait([this](beast::error_code wait_ec) {
              if (!wait_ec && acceptor_.is_open()) Accept();
            });
            return;
          } else {
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            size_t open = shared_.connections.fetch_add(1, std::memory_order_relaxed);
            if (open >= shared_.options.max_connections) {
              shared_.connections.fetch_sub(1, std::memory_order_relaxed);
              if (shared_.rejected != nullptr) shared_.rejected->Inc();
              auto rejected = std::make_shared<tcp::socket>(std::move(socket));
              net::async_write(*rejected, net::buffer(BusyResponse()),
                               [rejected](beast::error_code, size_t) {
                                 beast::error_code ignored_close;
                                 rejected->shutdown(tcp::socket::shutdown_both, ignored_close);
                                 rejected->close(ignored_close);
                               });
            } else {
              std::make_shared<Session>(std::move(socket), shared_)->Run();
            }
          }
          if (acceptor_.is_open()) Accept();
        });
  }

  // shared_ outlives ioc_: pending handlers destroyed with ioc_ still reach it through sessions.
  Shared shared_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
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

}  // namespace mercato

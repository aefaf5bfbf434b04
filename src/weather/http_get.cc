#include "weather/http_get.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "core/logging.h"

namespace mercato {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

// Room for the status line and headers in the read buffer, besides the body.
constexpr size_t kHeaderBytes = 16 << 10;

// What a caller waits for. Completed once by its exchange, possibly after the caller gave up.
struct Outcome {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;  // guarded by mu
  Status status;      // guarded by mu
  std::string body;   // guarded by mu

  void Complete(Status result, std::string result_body) {
    {
      std::lock_guard lock(mu);
      if (done) return;
      done = true;
      status = std::move(result);
      body = std::move(result_body);
    }
    cv.notify_all();
  }
};

// One unit of the in-flight budget, returned when the exchange holding it is destroyed.
class InFlightSlot {
 public:
  explicit InFlightSlot(std::atomic<size_t>& counter) : counter_(&counter) {
    counter_->fetch_add(1, std::memory_order_relaxed);
  }
  InFlightSlot(InFlightSlot&& other) noexcept : counter_(std::exchange(other.counter_, nullptr)) {}
  InFlightSlot(const InFlightSlot&) = delete;
  InFlightSlot& operator=(const InFlightSlot&) = delete;
  InFlightSlot& operator=(InFlightSlot&&) = delete;
  ~InFlightSlot() {
    if (counter_ != nullptr) counter_->fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  std::atomic<size_t>* counter_;
};

// What every exchange reads; lives as long as the client, which outlives every exchange.
struct Shared {
  BaseUrl url;
  HttpGetOptions options;
  std::optional<ssl::context> tls;  // set when url.tls; const after construction
  std::atomic<size_t> in_flight{0};
};

// One GET: resolve, connect, [TLS handshake], write, read; runs on the I/O thread only, and keeps
// itself alive through the shared_ptr each pending handler holds.
template <class Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Exchange(net::io_context& io, Shared& shared, InFlightSlot slot, const std::string& target,
           SteadyTime deadline, std::shared_ptr<Outcome> outcome)
      : slot_(std::move(slot)),
        shared_(shared),
        deadline_(deadline),
        outcome_(std::move(outcome)),
        resolver_(io),
        stream_(MakeStream(io, shared)),
        buffer_(shared.options.max_response_bytes + kHeaderBytes) {
    request_.method(http::verb::get);
    request_.target(target);
    request_.version(11);
    request_.set(http::field::host, shared.url.HostHeader());
    request_.set(http::field::user_agent, "mercato");
    request_.set(http::field::accept, "application/json");
    request_.keep_alive(false);
    parser_.body_limit(shared.options.max_response_bytes);
  }

  void Start() {
    beast::get_lowest_layer(stream_).expires_at(deadline_);
    if (shared_.url.host_is_ip) {
      beast::error_code ec;
      const auto address = net::ip::make_address(shared_.url.host, ec);
      if (ec) return Fail("bad address", ec);
      beast::get_lowest_layer(stream_).async_connect(
          tcp::endpoint(address, shared_.url.port),
          [self = this->shared_from_this()](beast::error_code connect_ec) {
            self->OnConnect(connect_ec);
          });
      return;
    }
    resolver_.async_resolve(
        shared_.url.host, std::to_string(shared_.url.port),
        [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type found) {
          self->OnResolve(ec, std::move(found));
        });
  }

 private:
  static Stream MakeStream(net::io_context& io, Shared& shared) {
    if constexpr (kTls) {
      return Stream(io, *shared.tls);
    } else {
      return Stream(io);
    }
  }

  void OnResolve(beast::error_code ec, tcp::resolver::results_type found) {
    if (ec) return Fail("resolve", ec);
    // Resolution cannot be cancelled, so it may end after the deadline; the caller is gone then.
    if (std::chrono::steady_clock::now() >= deadline_)
      return Fail("resolve", beast::error::timeout);
    beast::get_lowest_layer(stream_).async_connect(
        found, [self = this->shared_from_this()](beast::error_code connect_ec,
                                                 const tcp::endpoint& /*endpoint*/) {
          self->OnConnect(connect_ec);
        });
  }

  void OnConnect(beast::error_code ec) {
    if (ec) return Fail("connect", ec);
    if constexpr (kTls) {
      if (Status status = PrepareTls(); !status.ok()) return Finish(std::move(status), {});
      stream_.async_handshake(ssl::stream_base::client,
                              [self = this->shared_from_this()](beast::error_code handshake_ec) {
                                if (handshake_ec) return self->Fail("TLS handshake", handshake_ec);
                                self->Write();
                              });
    } else {
      Write();
    }
  }

  // SNI (DNS names only, as RFC 6066 asks) and the name or address the certificate must carry;
  // OpenSSL checks it during chain verification, so a wrong name fails the handshake.
  Status PrepareTls() {
    SSL* handle = stream_.native_handle();
    const std::string& host = shared_.url.host;
    bool ok = true;
    if (shared_.url.host_is_ip) {
      ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), host.c_str()) == 1;
    } else {
      SSL_set_hostflags(handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      ok = SSL_set_tlsext_host_name(handle, host.c_str()) == 1 &&
           SSL_set1_host(handle, host.c_str()) == 1;
    }
    return ok ? Status::Ok() : Status::Internal("cannot set the TLS peer name " + host);
  }

  void Write() {
    http::async_write(stream_, request_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t /*bytes*/) {
                        if (ec) return self->Fail("write", ec);
                        self->Read();
                      });
  }

  void Read() {
    http::async_read(stream_, buffer_, parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t /*bytes*/) {
                       self->OnRead(ec);
                     });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Finish(Unavailable("the response body is over " +
                                std::to_string(shared_.options.max_response_bytes) + " bytes"),
                    {});
    }
    if (ec) return Fail("read", ec);
    // The whole response is read and the request said Connection: close, so the socket is closed
    // without a TLS close_notify exchange (which some servers never answer).
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    auto& response = parser_.get();
    if (response.result() != http::status::ok) {
      return Finish(Unavailable("answered HTTP " + std::to_string(response.result_int())), {});
    }
    Finish(Status::Ok(), std::move(response.body()));
  }

  void Fail(std::string_view phase, beast::error_code ec) {
    if (ec == beast::error::timeout) {
      Finish(Unavailable("no answer within " + std::to_string(shared_.options.timeout_ms) + " ms"),
             {});
      return;
    }
    Finish(Unavailable(std::string(phase) + ": " + ec.message()), {});
  }

  Status Unavailable(const std::string& why) const {
    return Status::Unavailable(shared_.url.ToString() + ": " + why);
  }

  void Finish(Status status, std::string body) {
    outcome_->Complete(std::move(status), std::move(body));
  }

  InFlightSlot slot_;
  Shared& shared_;
  const SteadyTime deadline_;
  const std::shared_ptr<Outcome> outcome_;
  tcp::resolver resolver_;
  Stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response_parser<http::string_body> parser_;
};

}  // namespace

class HttpGetClient::Impl {
 public:
  Impl(BaseUrl url, HttpGetOptions options) {
    shared_.url = std::move(url);
    shared_.options = std::move(options);
  }

  ~Impl() {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
    // io_ is destroyed next, with any exchange a caller gave up on; they return their slots to
    // shared_, which is declared first and so destroyed last.
  }

  // Builds the TLS context and starts the I/O thread. Called once, before any Get.
  Status Init() {
    if (shared_.url.tls) {
      auto& context = shared_.tls.emplace(ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
      beast::error_code ec;
      context.set_default_verify_paths(ec);
      if (ec) return Status::Internal("cannot load the system trust store: " + ec.message());
      if (!shared_.options.ca_file.empty()) {
        context.load_verify_file(shared_.options.ca_file, ec);
        if (ec) {
          return Status::InvalidArgument("cannot load CA file '" + shared_.options.ca_file +
                                         "': " + ec.message());
        }
      }
      context.set_verify_mode(ssl::verify_peer, ec);
      if (ec) return Status::Internal("cannot enable TLS verification: " + ec.message());
    }
    thread_ = std::thread([this] { Run(); });
    return Status::Ok();
  }

  Result<std::string> Get(const std::string& target) {
    const auto timeout = std::chrono::milliseconds(shared_.options.timeout_ms);
    const SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
    InFlightSlot slot(shared_.in_flight);
    if (shared_.in_flight.load(std::memory_order_relaxed) > shared_.options.max_in_flight) {
      return Status::Unavailable(shared_.url.ToString() + ": too many requests in flight");
    }
    auto outcome = std::make_shared<Outcome>();
    try {
      if (shared_.url.tls) {
        Launch<beast::ssl_stream<beast::tcp_stream>>(std::move(slot), target, deadline, outcome);
      } else {
        Launch<beast::tcp_stream>(std::move(slot), target, deadline, outcome);
      }
    } catch (const std::exception& e) {  // Asio throws when a socket or SSL object cannot be made
      return Status::Unavailable(shared_.url.ToString() + ": cannot start a request: " + e.what());
    }
    std::unique_lock lock(outcome->mu);
    if (!outcome->cv.wait_until(lock, deadline, [&] { return outcome->done; })) {
      return Status::Unavailable(shared_.url.ToString() + ": no answer within " +
                                 std::to_string(shared_.options.timeout_ms) + " ms");
    }
    if (!outcome->status.ok()) return outcome->status;
    return std::move(outcome->body);
  }

  const Shared& shared() const { return shared_; }

 private:
  template <class Stream>
  void Launch(InFlightSlot slot, const std::string& target, SteadyTime deadline,
              const std::shared_ptr<Outcome>& outcome) {
    auto exchange = std::make_shared<Exchange<Stream>>(io_, shared_, std::move(slot), target,
                                                       deadline, outcome);
    net::post(io_, [exchange] { exchange->Start(); });
  }

  void Run() {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {  // a handler threw; keep serving the others
        LOG(ERROR) << "weather HTTP client: " << e.what();
      }
    }
  }

  // Declared first so that it outlives io_ (exchanges destroyed with io_ use it).
  Shared shared_;
  net::io_context io_{1};
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  std::thread thread_;
};

Result<std::unique_ptr<HttpGetClient>> HttpGetClient::Create(BaseUrl url, HttpGetOptions options) {
  if (options.timeout_ms <= 0) return Status::InvalidArgument("the timeout must be > 0 ms");
  if (options.max_response_bytes == 0) {
    return Status::InvalidArgument("the response size limit must be > 0 bytes");
  }
  if (options.max_in_flight == 0) {
    return Status::InvalidArgument("the in-flight limit must be > 0");
  }
  try {  // startup: Asio and std::thread report failure by throwing
    auto impl = std::make_unique<Impl>(std::move(url), std::move(options));
    RETURN_IF_ERROR(impl->Init());
    return std::unique_ptr<HttpGetClient>(new HttpGetClient(std::move(impl)));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot set up the HTTP client: ") + e.what());
  }
}

HttpGetClient::HttpGetClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpGetClient::~HttpGetClient() = default;

Result<std::string> HttpGetClient::Get(const std::string& target) { return impl_->Get(target); }
const BaseUrl& HttpGetClient::url() const { return impl_->shared().url; }
const HttpGetOptions& HttpGetClient::options() const { return impl_->shared().options; }

}  // namespace mercato

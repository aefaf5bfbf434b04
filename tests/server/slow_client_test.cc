// Slow and greedy clients against HttpServer: every phase has one deadline however the bytes are
// trickled, a client that stops reading is cut, and one address cannot take every connection.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>

#include "core/metrics.h"
#include "server/http_server.h"
#include "support/raw_connection.h"
#include "support/test_support.h"

namespace mercato::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kBigBody = 32 << 20;  // far beyond what the kernel buffers of both ends hold

class SlowClientTest : public ::testing::Test {
 protected:
  // "/big" answers kBigBody bytes; anything else answers "ok".
  void Start(HttpServerOptions options) {
    options.address = "127.0.0.1";
    server_ = std::make_unique<HttpServer>(
        options,
        [](HttpRequest&& request, Responder respond) {
          HttpResponse response;
          response.content_type = "text/plain";
          response.body = request.path == "/big" ? std::string(kBigBody, 'x') : "ok";
          respond(std::move(response));
        },
        &metrics_);
    Status status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
  }

  uint64_t Timeouts(const std::string& phase) {
    return metrics_.GetCounter("mercato_http_timeouts_total", "", {{"phase", phase}}).Value();
  }

  // Sends `bytes` one at a time, waiting `gap_ms` for a close between them, until the server
  // closes the connection or `max_ms` passes. Returns the time from connecting to the close, or
  // nullopt when the server never closed.
  std::optional<Clock::duration> Trickle(const std::string& prefix, char byte, int gap_ms,
                                         int max_ms) {
    auto started = Clock::now();
    RawConnection connection("127.0.0.1", server_->port());
    EXPECT_TRUE(connection.ok()) << connection.error();
    if (!prefix.empty()) connection.Send(prefix);
    for (int sent = 0; sent * gap_ms < max_ms; ++sent) {
      if (!connection.Send(std::string(1, byte))) break;
      if (connection.WaitForClose(gap_ms)) break;
    }
    if (!connection.closed() && !connection.WaitForClose(gap_ms)) return std::nullopt;
    EXPECT_EQ(connection.received().find("HTTP/1.1 200"), std::string::npos);
    return Clock::now() - started;
  }

  MetricsRegistry metrics_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(SlowClientTest, SlowLorisIsCutAtTheHeaderDeadline) {
  HttpServerOptions options;
  options.header_timeout_ms = 400;
  Start(options);
  // One header byte every 50 ms would keep a per-read timeout alive forever.
  auto cut = Trickle("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", 'a', 50, 5000);
  ASSERT_TRUE(cut.has_value()) << "the server never closed the connection";
  EXPECT_GE(*cut, milliseconds(400));
  EXPECT_LT(*cut, milliseconds(2000));
  // The server counts the timeout when its read completes, just after the socket closed.
  EXPECT_TRUE(WaitFor([&] { return Timeouts("header") == 1; }, 5000));
}

TEST_F(SlowClientTest, SlowBodyIsCutAtTheBodyDeadline) {
  HttpServerOptions options;
  options.header_timeout_ms = 10'000;
  options.body_timeout_ms = 400;
  Start(options);
  auto cut =
      Trickle("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", 'b', 50, 5000);
  ASSERT_TRUE(cut.has_value()) << "the server never closed the connection";
  EXPECT_GE(*cut, milliseconds(400));
  EXPECT_LT(*cut, milliseconds(2000));
  EXPECT_TRUE(WaitFor([&] { return Timeouts("body") == 1; }, 5000));
  EXPECT_EQ(Timeouts("header"), 0u);
}

TEST_F(SlowClientTest, ClientThatDoesNotReadIsCutAtTheWriteDeadline) {
  HttpServerOptions options;
  options.write_timeout_ms = 300;
  Start(options);
  RawConnectionOptions small_window;
  small_window.receive_buffer_bytes = 4096;
  RawConnection connection("127.0.0.1", server_->port(), small_window);
  ASSERT_TRUE(connection.ok()) << connection.error();
  auto started = Clock::now();
  ASSERT_TRUE(connection.Send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The client reads nothing until the server has given up on it.
  ASSERT_TRUE(WaitFor([&] { return Timeouts("write") == 1; }, 10'000));
  EXPECT_GE(Clock::now() - started, milliseconds(300));
  // What the kernel had buffered still arrives, then the connection ends short of the body.
  EXPECT_TRUE(connection.WaitForClose(10'000));
  EXPECT_EQ(connection.received().rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_LT(connection.received().size(), kBigBody);
  // A client that reads gets the whole response.
  RawConnection reader("127.0.0.1", server_->port());
  ASSERT_TRUE(reader.Send("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(reader.WaitForClose(10'000));
  EXPECT_GT(reader.received().size(), kBigBody);
}

TEST_F(SlowClientTest, ConnectionsPerAddressAreCapped) {
  HttpServerOptions options;
  options.max_connections_per_address = 2;
  Start(options);
  constexpr char kRequest[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  auto first = std::make_unique<RawConnection>("127.0.0.1", server_->port());
  RawConnection second("127.0.0.1", server_->port());
  for (RawConnection* connection : {first.get(), &second}) {
    ASSERT_TRUE(connection->Send(kRequest));
    ASSERT_TRUE(connection->ReadUntil("\r\n\r\nok", 5000)) << connection->received();
  }
  // A third connection from the same address is answered 503 and closed without a request.
  RawConnection third("127.0.0.1", server_->port());
  EXPECT_TRUE(third.WaitForClose(5000));
  EXPECT_EQ(third.received().rfind("HTTP/1.1 503", 0), 0u) << third.received();
  EXPECT_NE(third.received().find("from this address"), std::string::npos) << third.received();
  // Another address is not affected.
  RawConnectionOptions other_address;
  other_address.source_address = "127.0.0.2";
  RawConnection other("127.0.0.1", server_->port(), other_address);
  ASSERT_TRUE(other.ok()) << other.error();
  ASSERT_TRUE(other.Send(kRequest));
  EXPECT_TRUE(other.ReadUntil("\r\n\r\nok", 5000)) << other.received();
  // Once a connection closes, its address may open another.
  first.reset();
  EXPECT_TRUE(WaitFor(
      [&] {
        RawConnection again("127.0.0.1", server_->port());
        return again.Send(kRequest) && again.ReadUntil("\r\n\r\nok", 2000);
      },
      5000));
}

}  // namespace
}  // namespace mercato::testing

// Read forwarding runs on the forwarder's pool, not on the thread that received the request: the
// handler returns at once and answers when the owner does, with the owner's answer.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "server/forwarding.h"

namespace mercato::testing {
namespace {

// One HTTP exchange on 127.0.0.1: accepts a connection, reads the request head, then answers
// 200 with `body` only when Release() is called.
class HeldOwner {
 public:
  explicit HeldOwner(std::string body = R"({"owner":true})") : body_(std::move(body)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    ok_ = listener_ >= 0 &&
          ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
          ::listen(listener_, 1) == 0 &&
          ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~HeldOwner() {
    Release();
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }
  HeldOwner(const HeldOwner&) = delete;
  HeldOwner& operator=(const HeldOwner&) = delete;

  bool ok() const { return ok_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Release() {
    if (!released_) {
      released_ = true;
      release_.set_value();
    }
  }
  std::string request_head() { return head_.get_future().get(); }

 private:
  void Serve() {
    const int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) return;
    std::string head;
    char buffer[1024];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::read(connection, buffer, sizeof(buffer));
      if (n <= 0) break;
      head.append(buffer, static_cast<size_t>(n));
    }
    head_.set_value(head);
    release_.get_future().wait();
    const std::string& body = body_;
    const std::string answer =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)::write(connection, answer.data(), answer.size());
    ::close(connection);
  }

  const std::string body_;
  int listener_ = -1;
  bool ok_ = false;
  uint16_t port_ = 0;
  bool released_ = false;
  std::promise<void> release_;
  std::promise<std::string> head_;
  std::thread thread_;
};

TEST(ForwardingTest, AForwardDoesNotHoldTheReceivingThread) {
  HeldOwner owner;
  ASSERT_TRUE(owner.ok());
  ReadForwarder forwarder;
  forwarder.owner_of = [&owner](std::string_view identity) -> std::optional<std::string> {
    if (identity == "mine") return std::nullopt;
    return owner.url();
  };
  forwarder.pool = MakeForwardingPool(2);
  bool local_called = false;
  Handler handler =
      ForwardingHandler(forwarder, "id", [&local_called](HttpRequest&&, const Responder& respond) {
        local_called = true;
        respond(HttpResponse{});
      });

  // A customer this node owns is answered here, synchronously.
  HttpRequest own;
  own.path_params = {{"id", "mine"}};
  handler(std::move(own), [](HttpResponse) {});
  EXPECT_TRUE(local_called);

  // Another node's customer: the handler returns while the owner still holds its answer.
  local_called = false;
  std::promise<HttpResponse> answered;
  HttpRequest theirs;
  theirs.path_params = {{"id", "theirs"}};
  theirs.raw_path = "/v1/profiles/theirs";
  theirs.query = "limit=5";
  theirs.authorization = "Bearer k";
  theirs.request_id = "req-1";
  handler(std::move(theirs),
          [&answered](HttpResponse response) { answered.set_value(std::move(response)); });
  std::future<HttpResponse> response = answered.get_future();
  const std::string head = owner.request_head();  // the forward has reached the owner
  EXPECT_EQ(response.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout)
      << "the handler answered before the owner did";
  EXPECT_FALSE(local_called);
  EXPECT_NE(head.find("GET /v1/profiles/theirs?limit=5 HTTP/1.1"), std::string::npos) << head;
  EXPECT_NE(head.find("X-Mercato-Forwarded: 1"), std::string::npos) << head;
  EXPECT_NE(head.find("Authorization: Bearer k"), std::string::npos) << head;

  owner.Release();
  ASSERT_EQ(response.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  HttpResponse got = response.get();
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, R"({"owner":true})");
  bool tagged = false;
  for (const auto& [name, value] : got.headers) {
    tagged = tagged || (name == "X-Mercato-Forwarded-To" && value == owner.url());
  }
  EXPECT_TRUE(tagged);

  // A request that was forwarded already is answered here whoever owns the customer.
  HttpRequest forwarded;
  forwarded.path_params = {{"id", "theirs"}};
  forwarded.forwarded = true;
  handler(std::move(forwarded), [](HttpResponse) {});
  EXPECT_TRUE(local_called);
}

// A POST is forwarded with its method, body and Content-Type, by the identity the request names.
TEST(ForwardingTest, APostIsForwardedWithItsBody) {
  HeldOwner owner;
  ASSERT_TRUE(owner.ok());
  owner.Release();
  ReadForwarder forwarder;
  forwarder.owner_of = [&owner](std::string_view identity) -> std::optional<std::string> {
    if (identity != "theirs") return std::nullopt;
    return owner.url();
  };
  forwarder.pool = MakeForwardingPool(1);
  Handler handler = ForwardingHandler(
      forwarder, [](const HttpRequest& request) { return request.body.substr(0, 6); },
      [](HttpRequest&&, const Responder& respond) { respond(HttpResponse{}); });
  std::promise<HttpResponse> answered;
  HttpRequest request;
  request.method = "POST";
  request.raw_path = "/v1/privacy/erasure";
  request.content_type = "application/json";
  request.body = "theirs and more";
  handler(std::move(request),
          [&answered](HttpResponse response) { answered.set_value(std::move(response)); });
  const std::string head = owner.request_head();
  EXPECT_NE(head.find("POST /v1/privacy/erasure HTTP/1.1"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: application/json"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Length: 15"), std::string::npos) << head;
  std::future<HttpResponse> response = answered.get_future();
  ASSERT_EQ(response.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(response.get().status, 200);
}

// A GET of `path` through `handler`, waiting (bounded) for its answer.
HttpResponse AskGet(const Handler& handler, const std::string& path, bool forwarded) {
  std::promise<HttpResponse> answered;
  HttpRequest request;
  request.method = "GET";
  request.raw_path = path;
  request.forwarded = forwarded;
  handler(std::move(request),
          [&answered](HttpResponse response) { answered.set_value(std::move(response)); });
  std::future<HttpResponse> response = answered.get_future();
  EXPECT_EQ(response.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  return response.get();
}

// Something one node holds under an id that does not say which (an erasure job): asked of the
// other nodes in turn when this one has not got it; a node that does not answer is passed over,
// but when none has it, its failure is the answer rather than "not found".
TEST(ForwardingTest, GatheringAsksTheOtherNodesUntilOneHasIt) {
  HeldOwner holder;
  ASSERT_TRUE(holder.ok());
  holder.Release();
  const std::string unreachable = "http://127.0.0.1:1";
  std::vector<std::string> others = {unreachable, holder.url()};
  int status_here = 404;
  auto pool = MakeForwardingPool(1);
  Handler handler = GatheringHandler(
      pool, [&others] { return others; },
      [&status_here](HttpRequest&&, const Responder& respond) {
        HttpResponse response;
        response.status = status_here;
        respond(std::move(response));
      });
  auto ask = [&handler](bool forwarded) {
    return AskGet(handler, "/v1/privacy/erasure/er_1", forwarded);
  };
  HttpResponse found = ask(false);
  EXPECT_EQ(found.status, 200);
  EXPECT_EQ(found.body, R"({"owner":true})");
  EXPECT_NE(holder.request_head().find("GET /v1/privacy/erasure/er_1 HTTP/1.1"), std::string::npos);

  others = {unreachable};
  EXPECT_EQ(ask(false).status, 503);
  others = {};
  EXPECT_EQ(ask(false).status, 404);
  // A forwarded request, or one this node can answer, is answered here alone.
  others = {unreachable};
  EXPECT_EQ(ask(true).status, 404);
  status_here = 200;
  EXPECT_EQ(ask(false).status, 200);
}

TEST(ForwardingTest, SummingAddsEveryNodesTotals) {
  HeldOwner other(R"({"customers":3,"revenue":2.25,"consent":{"email":{"granted":2,"denied":1}}})");
  ASSERT_TRUE(other.ok());
  other.Release();
  const std::string unreachable = "http://127.0.0.1:1";
  std::vector<std::string> others = {other.url()};
  auto pool = MakeForwardingPool(1);
  Handler handler = SummingHandler(
      pool, [&others] { return others; },
      [](HttpRequest&&, const Responder& respond) {
        HttpResponse response;
        response.body =
            R"({"customers":2,"revenue":1.5,"consent":{"email":{"granted":1}},"v":"x"})";
        respond(std::move(response));
      });
  auto ask = [&handler](bool forwarded) { return AskGet(handler, "/v1/stats", forwarded); };
  HttpResponse summed = ask(false);
  EXPECT_EQ(summed.status, 200);
  EXPECT_EQ(
      summed.body,
      R"({"customers":5,"revenue":3.75,"consent":{"email":{"granted":3,"denied":1}},"v":"x"})");
  EXPECT_NE(other.request_head().find("X-Mercato-Forwarded: 1"), std::string::npos);
  // A node missing from the total makes it wrong: refused, not guessed.
  others = {unreachable};
  EXPECT_EQ(ask(false).status, 503);
  // Asked by another node, this node answers for itself.
  EXPECT_EQ(ask(true).body,
            R"({"customers":2,"revenue":1.5,"consent":{"email":{"granted":1}},"v":"x"})");
}

TEST(ForwardingTest, ForwardToAllSendsTheRequestToEveryNodeAsForwarded) {
  // An erasure's copies on other nodes: each gets the POST, marked forwarded, with its body.
  HeldOwner first;
  HeldOwner second;
  ASSERT_TRUE(first.ok() && second.ok());
  first.Release();
  second.Release();
  auto pool = MakeForwardingPool(1);
  HttpRequest request;
  request.method = "POST";
  request.raw_path = "/v1/privacy/erasure";
  request.query = "scope=copy";
  request.body = R"({"subject":"u1"})";
  ForwardToAll(pool, {"http://127.0.0.1:1", first.url(), second.url()}, request);
  for (HeldOwner* node : {&first, &second}) {
    const std::string head = node->request_head();
    EXPECT_NE(head.find("POST /v1/privacy/erasure?scope=copy HTTP/1.1"), std::string::npos) << head;
    EXPECT_NE(head.find("X-Mercato-Forwarded: 1"), std::string::npos) << head;
  }
}

TEST(ForwardingTest, TotalsOfMoneyKeepTheirDecimals) {
  boost::json::value total = boost::json::parse(R"({"revenue":0.1,"orders":1})");
  AddJsonTotals(total, boost::json::parse(R"({"revenue":0.2,"orders":2,"extra":{"a":1}})"));
  EXPECT_EQ(total.at("revenue").as_double(), 0.3);
  EXPECT_EQ(total.at("orders").as_int64(), 3);
  EXPECT_EQ(total.at("extra").at("a").as_int64(), 1);
}

}  // namespace
}  // namespace mercato::testing

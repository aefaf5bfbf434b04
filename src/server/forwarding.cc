#include "server/forwarding.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "channel/http_fetch.h"
#include "core/logging.h"
#include "server/http_status.h"

namespace mercato {

class ForwardingPool {
 public:
  explicit ForwardingPool(size_t threads) : pool_(threads) {}
  ~ForwardingPool() { pool_.join(); }
  ForwardingPool(const ForwardingPool&) = delete;
  ForwardingPool& operator=(const ForwardingPool&) = delete;

  void Post(std::function<void()> task) { boost::asio::post(pool_, std::move(task)); }

 private:
  boost::asio::thread_pool pool_;
};

std::shared_ptr<ForwardingPool> MakeForwardingPool(size_t threads) {
  return std::make_shared<ForwardingPool>(threads == 0 ? 1 : threads);
}

namespace {

// The owner's answer to `request`, or 503 when it does not answer.
HttpResponse Forward(const std::string& owner, const HttpRequest& request) {
  std::string url = owner + request.raw_path;
  if (!request.query.empty()) url += "?" + request.query;
  channel::HttpOptions options;
  options.connect_timeout_ms = 2'000;
  options.timeout_ms = 5'000;
  auto fetched = channel::HttpFetch(url,
                                    {{"Authorization", request.authorization},
                                     {"X-Mercato-Forwarded", "1"},
                                     {"X-Request-Id", request.request_id}},
                                    options);
  if (!fetched.ok()) {
    LOG(WARNING) << "cluster: forwarding to " << owner
                 << " failed: " << fetched.status().ToString();
    return ErrorResponse(Status::Unavailable("the node that owns this customer (" + owner +
                                             ") did not answer: " + fetched.status().message()));
  }
  HttpResponse response;
  response.status = fetched->status;
  if (!fetched->content_type.empty()) response.content_type = fetched->content_type;
  response.body = std::move(fetched->body);
  response.headers.emplace_back("X-Mercato-Forwarded-To", owner);
  return response;
}

}  // namespace

Handler ForwardingHandler(ReadForwarder forwarder, std::string param, Handler local) {
  if (!forwarder) return local;
  return [forwarder = std::move(forwarder), param = std::move(param), local = std::move(local)](
             HttpRequest&& request, const Responder& respond) {
    std::optional<std::string> owner;
    if (!request.forwarded) owner = forwarder.owner_of(request.PathParam(param));
    if (!owner) return local(std::move(request), respond);
    if (forwarder.pool == nullptr) {
      return respond(ErrorResponse(Status::Internal("read forwarding has no thread pool")));
    }
    forwarder.pool->Post([owner = std::move(*owner), request = std::move(request), respond] {
      respond(Forward(owner, request));
    });
  };
}

}  // namespace mercato

#include "server/forwarding.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <cmath>

#include "channel/http_fetch.h"
#include "core/logging.h"
#include "event/json_writer.h"
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
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Authorization", request.authorization},
      {"X-Mercato-Forwarded", "1"},
      {"X-Request-Id", request.request_id}};
  const bool post = request.method == "POST";
  if (post) {
    headers.emplace_back("Content-Type",
                         request.content_type.empty() ? "application/json" : request.content_type);
  }
  auto fetched =
      channel::HttpFetch(url, headers, options, 16 << 20, post ? &request.body : nullptr);
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
  return ForwardingHandler(
      std::move(forwarder),
      [param = std::move(param)](const HttpRequest& request) { return request.PathParam(param); },
      std::move(local));
}

Handler ForwardingHandler(ReadForwarder forwarder, IdentityOf identity_of, Handler local) {
  if (!forwarder) return local;
  return [forwarder = std::move(forwarder), identity_of = std::move(identity_of),
          local = std::move(local)](HttpRequest&& request, const Responder& respond) {
    std::optional<std::string> owner;
    if (!request.forwarded) {
      const std::string identity = identity_of(request);
      if (!identity.empty()) owner = forwarder.owner_of(identity);
    }
    if (!owner) return local(std::move(request), respond);
    if (forwarder.pool == nullptr) {
      return respond(ErrorResponse(Status::Internal("read forwarding has no thread pool")));
    }
    forwarder.pool->Post([owner = std::move(*owner), request = std::move(request), respond] {
      respond(Forward(owner, request));
    });
  };
}

Handler GatheringHandler(std::shared_ptr<ForwardingPool> pool,
                         std::function<std::vector<std::string>()> others, Handler local) {
  if (!others || pool == nullptr) return local;
  return [pool = std::move(pool), others = std::move(others), local = std::move(local)](
             HttpRequest&& request, const Responder& respond) {
    if (request.forwarded) return local(std::move(request), respond);
    HttpRequest copy = request;
    local(std::move(request),
          [pool, others, copy = std::move(copy), respond](HttpResponse answer) mutable {
            if (answer.status != 404) return respond(std::move(answer));
            pool->Post([others, copy = std::move(copy), answer = std::move(answer), respond] {
              std::optional<HttpResponse> unanswered;
              for (const std::string& node : others()) {
                HttpResponse theirs = Forward(node, copy);
                if (theirs.status < 400) return respond(std::move(theirs));
                if (theirs.status != 404 && !unanswered) unanswered = std::move(theirs);
              }
              // A node that did not answer may hold it: say so rather than "not found".
              if (unanswered) return respond(std::move(*unanswered));
              respond(answer);
            });
          });
  };
}

void ForwardToAll(const std::shared_ptr<ForwardingPool>& pool, std::vector<std::string> nodes,
                  HttpRequest request) {
  if (pool == nullptr || nodes.empty()) return;
  pool->Post([nodes = std::move(nodes), request = std::move(request)] {
    for (const std::string& node : nodes) {
      HttpResponse answer = Forward(node, request);
      if (answer.status >= 300 && answer.status != 404) {
        LOG(WARNING) << "cluster: " << request.method << " " << request.raw_path << " on " << node
                     << " answered " << answer.status << ": " << answer.body;
      }
    }
  });
}

void AddJsonTotals(boost::json::value& into, const boost::json::value& from) {
  if (into.is_object() && from.is_object()) {
    boost::json::object& target = into.get_object();
    for (const auto& [key, value] : from.get_object()) {
      if (boost::json::value* existing = target.if_contains(key)) {
        AddJsonTotals(*existing, value);
      } else {
        target.emplace(key, value);
      }
    }
  } else if (into.is_int64() && from.is_int64()) {
    into = into.get_int64() + from.get_int64();
  } else if (into.is_number() && from.is_number()) {
    // Money is summed to the micro-unit, as each node keeps it.
    const double sum = into.to_number<double>() + from.to_number<double>();
    into = std::round(sum * 1e6) / 1e6;
  }
}

Handler SummingHandler(std::shared_ptr<ForwardingPool> pool,
                       std::function<std::vector<std::string>()> others, Handler local) {
  if (!others || pool == nullptr) return local;
  return [pool = std::move(pool), others = std::move(others), local = std::move(local)](
             HttpRequest&& request, const Responder& respond) {
    if (request.forwarded) return local(std::move(request), respond);
    HttpRequest copy = request;
    local(std::move(request),
          [pool, others, copy = std::move(copy), respond](HttpResponse answer) mutable {
            if (answer.status != 200) return respond(std::move(answer));
            pool->Post([others, copy = std::move(copy), answer = std::move(answer), respond] {
              boost::system::error_code ec;
              boost::json::value total = boost::json::parse(answer.body, ec);
              if (ec) return respond(answer);
              const std::vector<std::string> nodes = others();
              for (const std::string& node : nodes) {
                HttpResponse theirs = Forward(node, copy);
                boost::json::value part;
                if (theirs.status == 200) part = boost::json::parse(theirs.body, ec);
                if (theirs.status != 200 || ec) {
                  return respond(ErrorResponse(Status::Unavailable(
                      "the node " + node + " did not give its part of the totals (HTTP " +
                      std::to_string(theirs.status) + ")")));
                }
                AddJsonTotals(total, part);
              }
              HttpResponse summed = answer;
              summed.body = SerializeJson(total);
              summed.headers.emplace_back("X-Mercato-Nodes", std::to_string(nodes.size() + 1));
              respond(std::move(summed));
            });
          });
  };
}

}  // namespace mercato

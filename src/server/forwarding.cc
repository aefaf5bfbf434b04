#include "server/forwarding.h"

#include "channel/http_fetch.h"
#include "core/logging.h"
#include "server/http_status.h"

namespace mercato {

Handler ForwardingHandler(ReadForwarder forwarder, std::string param, Handler local) {
  if (!forwarder) return local;
  return [forwarder = std::move(forwarder), param = std::move(param), local = std::move(local)](
             HttpRequest&& request, const Responder& respond) {
    std::optional<std::string> owner;
    if (!request.forwarded) owner = forwarder(request.PathParam(param));
    if (!owner) return local(std::move(request), respond);
    std::string url = *owner + request.raw_path;
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
      LOG(WARNING) << "cluster: forwarding to " << *owner
                   << " failed: " << fetched.status().ToString();
      return respond(
          ErrorResponse(Status::Unavailable("the node that owns this customer (" + *owner +
                                            ") did not answer: " + fetched.status().message())));
    }
    HttpResponse response;
    response.status = fetched->status;
    if (!fetched->content_type.empty()) response.content_type = fetched->content_type;
    response.body = std::move(fetched->body);
    response.headers.emplace_back("X-Mercato-Forwarded-To", *owner);
    respond(std::move(response));
  };
}

}  // namespace mercato

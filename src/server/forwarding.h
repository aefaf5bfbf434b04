#pragma once
// Read forwarding in cluster mode (docs/operations.md, "Cluster mode"): a read about one customer
// that arrives at a node which does not own the customer's partition is passed to the owner, and
// the owner's answer is returned as it came. A forwarded request carries X-Mercato-Forwarded and
// is never forwarded again, so two nodes with different views of ownership cannot loop.
//
// The forward is a blocking HTTP GET (at most 5 s) on the I/O thread that received the request.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "server/router.h"

namespace mercato {

// The base URL of the node that owns `identity` (a userId or anonymousId), when that is another
// node; nullopt to answer here.
using ReadForwarder = std::function<std::optional<std::string>(std::string_view identity)>;

// `local` when `forwarder` is empty, the request was forwarded already, or this node owns the
// customer named by the path parameter `param`; otherwise a handler that forwards.
Handler ForwardingHandler(ReadForwarder forwarder, std::string param, Handler local);

}  // namespace mercato

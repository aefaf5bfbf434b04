#pragma once
// Forwarding in cluster mode (docs/operations.md, "Cluster mode"): a read about one customer, or
// an erasure request, that arrives at a node which does not own the customer's partition is passed
// to the owner, and the owner's answer is returned as it came. A forwarded request carries
// X-Mercato-Forwarded and is never forwarded again, so two nodes with different views of
// ownership cannot loop.
//
// The forward is an HTTP GET (a POST with its body) of at most 5 s run on the forwarder's own
// threads, never on the I/O
// thread that received the request: a slow or unreachable owner holds one forwarding thread and
// the request's query-class admission slot, while the I/O thread goes on serving other requests.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "server/router.h"

namespace mercato {

// The threads forwards run on (a fixed pool; forwards beyond it wait in its queue, whose length
// the query class's admission budget bounds). Destroying it waits for forwards under way.
class ForwardingPool;
std::shared_ptr<ForwardingPool> MakeForwardingPool(size_t threads);

struct ReadForwarder {
  // The base URL of the node that owns `identity` (a userId or anonymousId), when that is another
  // node; nullopt to answer here.
  std::function<std::optional<std::string>(std::string_view identity)> owner_of;
  std::shared_ptr<ForwardingPool> pool;  // required when owner_of is set

  explicit operator bool() const { return static_cast<bool>(owner_of); }
};

// `local` when `forwarder` is empty, the request was forwarded already, or this node owns the
// customer named by the path parameter `param`; otherwise a handler that forwards on the pool.
Handler ForwardingHandler(ReadForwarder forwarder, std::string param, Handler local);
// The same with the identity taken from the request by `identity_of` (empty: answer here). A POST
// is forwarded with its body and Content-Type.
using IdentityOf = std::function<std::string(const HttpRequest& request)>;
Handler ForwardingHandler(ReadForwarder forwarder, IdentityOf identity_of, Handler local);

// For a GET of something one node holds but whose id does not say which (an erasure job): `local`
// answers first; when it answers 404 and the request was not forwarded, every node `others`
// names is asked in turn (forwarded, on the pool) and the first successful answer is returned;
// else the first failure other than 404 (a node that did not answer may hold it), else 404.
// `local` when `others` or `pool` is empty.
Handler GatheringHandler(std::shared_ptr<ForwardingPool> pool,
                         std::function<std::vector<std::string>()> others, Handler local);

// For a GET of totals over customers (GET /v1/stats): `local` answers for this node's partitions;
// unless the request was forwarded, every node `others` names is asked too (forwarded, so each
// answers for its own partitions) and the JSON answers are added up member by member (numbers
// summed, objects merged, anything else taken from this node's answer). 503 when a node does not
// answer 200: a total missing a node's customers would be silently wrong. `local` when `others` or
// `pool` is empty; its non-200 answers are returned as they are.
Handler SummingHandler(std::shared_ptr<ForwardingPool> pool,
                       std::function<std::vector<std::string>()> others, Handler local);

// Sends `request` (forwarded, so each node handles it alone) to every node in `nodes` on the pool
// and forgets the answers: for work each node does on its own copy of the data. Failures other
// than 404 are logged.
void ForwardToAll(const std::shared_ptr<ForwardingPool>& pool, std::vector<std::string> nodes,
                  HttpRequest request);

// Adds `from` into `into` as SummingHandler does (exposed for tests).
void AddJsonTotals(boost::json::value& into, const boost::json::value& from);

}  // namespace mercato

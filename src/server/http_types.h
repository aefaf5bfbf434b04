#pragma once
// Plain request/response types shared by the HTTP server and the route handlers, so that handlers
// never see Boost.Beast (its headers stay inside http_server.cc).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mercato {

// Who sent a request, filled in by the gateway after authentication (empty for public routes).
struct Principal {
  std::string key_id;  // the API key's public id ("key_..."), or "flag-write-1" etc. for flag keys
  std::string name;    // its human-readable name
  std::string source;  // for write keys: the source it belongs to (recorded on ingested events)
  uint8_t scopes = 0;  // bit set of Scope (server/auth.h)
};

struct HttpRequest {
  std::string method;    // "GET", "POST", ...
  std::string path;      // decoded path without the query, e.g. "/v1/profiles/u1"
  std::string raw_path;  // the path as sent (percent-encoded), for routes with identifiers
  std::string query;     // raw query string without '?'
  std::string authorization;
  std::string content_encoding;
  std::string content_type;
  std::string body;
  std::string origin;          // the Origin header (CORS)
  std::string host;            // the Host header, to recognise same-origin requests
  std::string remote_address;  // the peer's IP address as text ("127.0.0.1", "::1")
  bool forwarded = false;      // X-Mercato-Forwarded: another cluster node passed it on
  // The client's X-Request-Id when it is 1-128 characters of [A-Za-z0-9._:-], else one made
  // here (16 hex digits); echoed in the response and written with every log line of the request.
  std::string request_id;
  Principal principal;  // set by the gateway before a handler runs
  // The route's {name} segments, decoded, set by the router (e.g. {"id", "a/b"}).
  std::vector<std::pair<std::string, std::string>> path_params;

  // True when `origin` names this server as the client reached it ("http://" or "https://" +
  // the Host header, compared without case): a page the server itself served, such as the
  // dashboard at /ui, calling its own API. Such a request is not cross-origin.
  bool SameOrigin() const;
  // The percent-decoded value of a query parameter, or empty when absent.
  std::string QueryParam(std::string_view name) const;
  // The decoded value of a path parameter of the matched route, or empty when absent.
  std::string PathParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Sends the response. Must be called exactly once, from any thread.
using Responder = std::function<void(HttpResponse)>;
using Handler = std::function<void(HttpRequest&&, Responder)>;

// Percent-decoding ('+' stays '+'); false on a malformed escape.
bool PercentDecode(std::string_view in, std::string& out);

}  // namespace mercato

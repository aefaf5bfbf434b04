#pragma once
// Plain request/response types shared by the HTTP server and the route handlers, so that handlers
// never see Boost.Beast (its headers stay inside http_server.cc).

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mercato {

struct HttpRequest {
  std::string method;    // "GET", "POST", ...
  std::string path;      // decoded path without the query, e.g. "/v1/profiles/u1"
  std::string raw_path;  // the path as sent (percent-encoded), for routes with identifiers
  std::string query;     // raw query string without '?'
  std::string authorization;
  std::string content_encoding;
  std::string content_type;
  std::string body;

  // The percent-decoded value of a query parameter, or empty when absent.
  std::string QueryParam(std::string_view name) const;
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

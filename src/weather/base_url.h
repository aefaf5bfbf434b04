#pragma once
// The base URL of an HTTP service, as an operator writes it in a flag: "http://host[:port]" or
// "https://host[:port]", with an optional trailing "/". Hosts are DNS names, IPv4 addresses or
// bracketed IPv6 addresses ("[::1]"). Paths, queries, fragments and credentials are refused, so
// that what a request is sent to is exactly what the flag names.
// Thread safety: pure functions and a value type.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato {

struct BaseUrl {
  bool tls = false;   // https
  std::string host;   // without brackets: "api.open-meteo.com", "127.0.0.1", "::1"
  uint16_t port = 0;  // always set: 80 or 443 when the URL has none
  bool host_is_ip = false;

  // The Host header value: the host (IPv6 in brackets), with ":port" unless it is the default.
  std::string HostHeader() const;
  // "scheme://host[:port]", for messages.
  std::string ToString() const;
};

// InvalidArgument naming the problem ("... must start with http:// or https://", "bad port ...").
Result<BaseUrl> ParseBaseUrl(std::string_view text);

}  // namespace mercato

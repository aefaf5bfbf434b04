#include "weather/base_url.h"

#include <arpa/inet.h>

#include <charconv>

namespace mercato {
namespace {

Status Invalid(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("bad base URL '" + std::string(text) + "': " + std::string(why) +
                                 " (expected http://host[:port] or https://host[:port])");
}

bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') {
    return false;
  }
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool IsIpv4(const std::string& host) {
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool IsIpv6(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

}  // namespace

std::string BaseUrl::HostHeader() const {
  std::string header = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) header += ":" + std::to_string(port);
  return header;
}

std::string BaseUrl::ToString() const {
  std::string text = tls ? "https://" : "http://";
  text += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return text + ":" + std::to_string(port);
}

Result<BaseUrl> ParseBaseUrl(std::string_view text) {
  BaseUrl url;
  std::string_view rest = text;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else {
    return Invalid(text, "it must start with http:// or https://");
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return Invalid(text, "a path, query or fragment is not allowed");
  }
  if (rest.find('@') != std::string_view::npos) {
    return Invalid(text, "credentials are not allowed");
  }

  std::string_view port_text;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return Invalid(text, "unclosed '[' in the host");
    url.host = std::string(rest.substr(1, close - 1));
    if (!IsIpv6(url.host)) return Invalid(text, "the bracketed host is not an IPv6 address");
    url.host_is_ip = true;
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Invalid(text, "unexpected text after the host");
      port_text = rest.substr(1);
      if (port_text.empty()) return Invalid(text, "empty port");
    }
  } else {
    const size_t colon = rest.find(':');
    url.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return Invalid(text, "empty port");
    }
    if (url.host.empty()) return Invalid(text, "the host is empty");
    url.host_is_ip = IsIpv4(url.host);
    if (!url.host_is_ip && !IsDnsName(url.host)) {
      return Invalid(text, "the host is neither a DNS name nor an IP address");
    }
  }

  if (port_text.empty()) {
    url.port = url.tls ? 443 : 80;
  } else {
    unsigned port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return Invalid(text, "the port must be a number from 1 to 65535");
    }
    url.port = static_cast<uint16_t>(port);
  }
  return url;
}

}  // namespace mercato

#include "server/http_types.h"

namespace mercato {
namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

bool PercentDecode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t k = 0; k < in.size(); ++k) {
    if (in[k] != '%') {
      out.push_back(in[k]);
      continue;
    }
    if (k + 2 >= in.size()) return false;  // needs two hex digits after '%'
    int hi = HexValue(in[k + 1]);
    int lo = HexValue(in[k + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    k += 2;
  }
  return true;
}

bool HttpRequest::SameOrigin() const {
  if (host.empty() || origin.empty()) return false;
  std::string_view authority = origin;
  if (authority.starts_with("http://")) {
    authority.remove_prefix(7);
  } else if (authority.starts_with("https://")) {
    authority.remove_prefix(8);
  } else {
    return false;
  }
  if (authority.size() != host.size()) return false;
  for (size_t k = 0; k < host.size(); ++k) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(authority[k]) != lower(host[k])) return false;
  }
  return true;
}

std::string HttpRequest::QueryParam(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key != name) continue;
    std::string value;
    if (eq == std::string_view::npos) return value;
    if (!PercentDecode(pair.substr(eq + 1), value)) return {};
    return value;
  }
  return {};
}

std::string HttpRequest::PathParam(std::string_view name) const {
  for (const auto& [key, value] : path_params) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace mercato

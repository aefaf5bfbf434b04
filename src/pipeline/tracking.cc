#include "pipeline/tracking.h"

#include <utility>

#include "privacy/crypto.h"

namespace mercato {
namespace {

constexpr std::string_view kHref = "href=\"";

// The attribute's text as the browser reads it: the five entities an escaped URL can hold.
std::string HtmlUnescape(std::string_view text) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&lt;", '<'}, {"&gt;", '>'}};
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    if (text[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (text.substr(i).starts_with(entity)) {
          out.push_back(c);
          i += entity.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(text[i++]);
  }
  return out;
}

}  // namespace

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string TrackingToken(std::string_view secret, std::string_view key) {
  const std::string encoded = crypto::Base64UrlEncode(key);
  return encoded + "." + crypto::HexEncode(crypto::HmacSha256(secret, "track|" + std::string(key)));
}

Result<std::string> VerifyTrackingToken(std::string_view secret, std::string_view token) {
  const Status bad = Status::InvalidArgument("the tracking token is not valid");
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || secret.empty() || token.size() > 1024) return bad;
  std::string key;
  if (!crypto::Base64UrlDecode(token.substr(0, dot), key) || key.empty()) return bad;
  if (!crypto::ConstantTimeEquals(TrackingToken(secret, key), token)) return bad;
  return key;
}

std::string ClickSignature(std::string_view secret, std::string_view token, std::string_view url) {
  return crypto::HexEncode(
             crypto::HmacSha256(secret, "click|" + std::string(token) + "|" + std::string(url)))
      .substr(0, 32);
}

std::string AddTracking(std::string_view html, std::string_view base, std::string_view secret,
                        std::string_view key) {
  const std::string token = TrackingToken(secret, key);
  const std::string unsubscribe = std::string(base) + "/v1/unsubscribe";
  std::string out;
  out.reserve(html.size() + 512);
  size_t at = 0;
  while (at < html.size()) {
    const size_t found = html.find(kHref, at);
    if (found == std::string_view::npos) break;
    const size_t start = found + kHref.size();
    const size_t end = html.find('"', start);
    if (end == std::string_view::npos) break;
    out.append(html.substr(at, start - at));
    const std::string_view attribute = html.substr(start, end - start);
    const std::string url = HtmlUnescape(attribute);
    const bool web = url.starts_with("https://") || url.starts_with("http://");
    if (web && !url.starts_with(unsubscribe)) {
      out.append(base).append("/v1/email/click?t=").append(token);
      out.append("&amp;u=").append(PercentEncode(url));
      out.append("&amp;s=").append(ClickSignature(secret, token, url));
    } else {
      out.append(attribute);
    }
    at = end;
  }
  out.append(html.substr(at));
  const std::string pixel = "<img src=\"" + std::string(base) + "/v1/email/open?t=" + token +
                            "\" width=\"1\" height=\"1\" alt=\"\">";
  const size_t body_end = out.rfind("</body>");
  if (body_end == std::string::npos) {
    out.append(pixel);
  } else {
    out.insert(body_end, pixel);
  }
  return out;
}

}  // namespace mercato

#include "channel/email_message.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace mercato::channel {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool IsAscii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool HasLineBreak(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// RFC 2047 encoded words of at most 75 characters, never splitting a UTF-8 sequence.
std::string EncodeWords(std::string_view text) {
  if (IsAscii(text)) return std::string(text);
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + 45);  // 45 bytes -> 60 base64 characters
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64Encode(text.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string Mailbox(const EmailAddress& address) {
  if (address.display_name.empty()) return "<" + address.address + ">";
  std::string name = address.display_name;
  if (IsAscii(name)) {
    std::string quoted = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    name = quoted + "\"";
  } else {
    name = EncodeWords(name);
  }
  return name + " <" + address.address + ">";
}

std::string Part(std::string_view type, std::string_view body) {
  return "Content-Type: " + std::string(type) +
         "; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Base64Encode(body, 76) +
         "\r\n";
}

}  // namespace

std::string Base64Encode(std::string_view bytes, size_t line) {
  std::string out;
  size_t column = 0;
  auto put = [&](char c) {
    if (line != 0 && column == line) {
      out += "\r\n";
      column = 0;
    }
    out += c;
    ++column;
  };
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) put(kAlphabet[(n >> shift) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    put(kAlphabet[(n >> 18) & 63]);
    put(kAlphabet[(n >> 12) & 63]);
    put(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    put('=');
  }
  return out;
}

std::string FormatEmailDate(int64_t micros) {
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char text[40];
  std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return text;
}

Status ValidateEmailAddress(std::string_view address) {
  const size_t at = address.find('@');
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("'" + std::string(address.substr(0, 100)) +
                                   "' is not an e-mail address: " + why);
  };
  if (address.size() > 254) return bad("longer than 254 bytes");
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos) {
    return bad("it needs one '@' between a local part and a domain");
  }
  for (char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f ||
        std::string_view("<>\"(),;:[]\\").find(c) != std::string_view::npos) {
      return bad("it has a character that cannot go into an SMTP envelope");
    }
  }
  return Status::Ok();
}

Result<std::string> BuildMime(const EmailMessage& message) {
  RETURN_IF_ERROR(ValidateEmailAddress(message.from.address));
  RETURN_IF_ERROR(ValidateEmailAddress(message.to.address));
  if (message.text.empty() && message.html.empty()) {
    return Status::InvalidArgument("an e-mail needs a text or an HTML body");
  }
  if (message.message_id.empty() || HasLineBreak(message.message_id) ||
      message.message_id.find_first_of("<> ") != std::string::npos) {
    return Status::InvalidArgument("an e-mail needs a message id without spaces or <>");
  }
  for (std::string_view value :
       {std::string_view(message.subject), std::string_view(message.from.display_name),
        std::string_view(message.to.display_name), std::string_view(message.unsubscribe_url)}) {
    if (HasLineBreak(value)) return Status::InvalidArgument("a header value has a line break");
  }
  std::string out;
  out += "From: " + Mailbox(message.from) + "\r\n";
  out += "To: " + Mailbox(message.to) + "\r\n";
  out += "Subject: " + EncodeWords(message.subject) + "\r\n";
  out += "Date: " + FormatEmailDate(message.date_us) + "\r\n";
  out += "Message-ID: <" + message.message_id + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (!message.unsubscribe_url.empty()) {
    out += "List-Unsubscribe: <" + message.unsubscribe_url + ">\r\n";
    out += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
  }
  for (const auto& [name, value] : message.extra_headers) {
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) ||
        name.find(':') != std::string::npos || !IsAscii(value)) {
      return Status::InvalidArgument("header '" + name.substr(0, 50) + "' is not a valid header");
    }
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (message.text.empty() || message.html.empty()) {
    out +=
        message.html.empty() ? Part("text/plain", message.text) : Part("text/html", message.html);
    return out;
  }
  // The boundary cannot occur in a base64 body, which has no '_', whatever the content.
  std::string boundary = "=_mercato_";
  for (char c : message.message_id) {
    if (boundary.size() < 50 && std::isalnum(static_cast<unsigned char>(c))) boundary += c;
  }
  boundary += "_=";
  out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  out += "--" + boundary + "\r\n" + Part("text/plain", message.text);
  out += "--" + boundary + "\r\n" + Part("text/html", message.html);
  out += "--" + boundary + "--\r\n";
  return out;
}

}  // namespace mercato::channel

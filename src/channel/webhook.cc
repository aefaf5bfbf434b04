#include "channel/webhook.h"

#include <charconv>

#include "privacy/crypto.h"

namespace mercato::channel {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    out += kDigits[u >> 4];
    out += kDigits[u & 15];
  }
  return out;
}

}  // namespace

std::string WebhookSignature(std::string_view secret, int64_t timestamp_s, std::string_view body) {
  std::string signed_text = std::to_string(timestamp_s);
  signed_text += '.';
  signed_text.append(body);
  return "v1=" + Hex(crypto::HmacSha256(secret, signed_text));
}

std::vector<std::pair<std::string, std::string>> WebhookHeaders(std::string_view secret,
                                                                std::string_view body,
                                                                std::string_view idempotency_key,
                                                                int64_t now_s) {
  return {{"X-Mercato-Timestamp", std::to_string(now_s)},
          {"X-Mercato-Signature", WebhookSignature(secret, now_s, body)},
          {"Idempotency-Key", std::string(idempotency_key)}};
}

bool VerifyWebhookSignature(std::string_view secret, std::string_view timestamp,
                            std::string_view body, std::string_view signature, int64_t now_s,
                            int64_t tolerance_s) {
  int64_t sent_s = 0;
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), sent_s);
  if (ec != std::errc() || end != timestamp.data() + timestamp.size()) return false;
  if (sent_s > now_s + tolerance_s || sent_s < now_s - tolerance_s) return false;
  const std::string expected = WebhookSignature(secret, sent_s, body);
  if (expected.size() != signature.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>(expected[i] ^ signature[i]);
  }
  return diff == 0;
}

}  // namespace mercato::channel

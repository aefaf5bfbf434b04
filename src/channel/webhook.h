#pragma once
// Signed webhooks (also the chat channel's transport). Each request carries
//   X-Mercato-Timestamp: <unix seconds>
//   X-Mercato-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//   Idempotency-Key: <the delivery's key: the same on every retry of one message>
// A receiver recomputes the signature over the raw body, compares in constant time and refuses
// timestamps more than a few minutes old, which stops forged and replayed requests
// (docs/journeys.md, "Webhooks").
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mercato::channel {

// "v1=" + 64 lowercase hex digits.
std::string WebhookSignature(std::string_view secret, int64_t timestamp_s, std::string_view body);

// The three headers above.
std::vector<std::pair<std::string, std::string>> WebhookHeaders(std::string_view secret,
                                                                std::string_view body,
                                                                std::string_view idempotency_key,
                                                                int64_t now_s);

// What a receiver does: true when `signature` is WebhookSignature(secret, timestamp, body) and
// the timestamp is within `tolerance_s` of `now_s`. Constant-time comparison.
bool VerifyWebhookSignature(std::string_view secret, std::string_view timestamp,
                            std::string_view body, std::string_view signature, int64_t now_s,
                            int64_t tolerance_s = 300);

}  // namespace mercato::channel

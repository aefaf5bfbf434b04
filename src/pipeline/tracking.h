#pragma once
// Open and click tracking for journey e-mails (docs/journeys.md "Opens and clicks").
//
// Delivery rewrites the HTML part of an e-mail when a public URL is configured:
//   - every absolute http(s) link becomes <base>/v1/email/click?t=<token>&u=<url>&s=<sig>, where
//     the signature covers the message and the URL, so the endpoint cannot be used to redirect
//     anywhere else (no open redirect);
//   - a 1x1 image <base>/v1/email/open?t=<token> is added before </body> (or at the end).
// The token is the message's idempotency key (base64url) and its HMAC-SHA256; the server turns
// a valid open or click into an "Email Opened" / "Email Link Clicked" track event of the
// customer, with the journey and step, which segments, goals and branches can use. The
// unsubscribe link is left as it is.
//
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato {

// "<base64url(key)>.<hex HMAC>".
std::string TrackingToken(std::string_view secret, std::string_view key);
// The message key of a valid token; InvalidArgument otherwise.
Result<std::string> VerifyTrackingToken(std::string_view secret, std::string_view token);
// The signature of a click on `url` in the message of `token` (32 hex digits).
std::string ClickSignature(std::string_view secret, std::string_view token, std::string_view url);

// The HTML with links rewritten and the pixel added (see above). `base` has no trailing '/'.
std::string AddTracking(std::string_view html, std::string_view base, std::string_view secret,
                        std::string_view key);

// RFC 3986 percent-encoding of everything but unreserved characters.
std::string PercentEncode(std::string_view text);

}  // namespace mercato

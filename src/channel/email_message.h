#pragma once
// EmailMessage and its MIME form (RFC 5322, RFC 2045-2047): what the SMTP channel sends.
//
// The form is multipart/alternative with a text/plain and a text/html part (or just the one
// given), both UTF-8 in base64 with 76-character lines, so no body line can break SMTP's
// 998-byte limit or be read as the end of the data. A subject or display name with non-ASCII
// characters is an RFC 2047 encoded word. With an unsubscribe URL the message carries
// List-Unsubscribe and List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058), which
// mailbox providers require of bulk senders.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mercato::channel {

struct EmailAddress {
  std::string address;       // local@domain
  std::string display_name;  // may be empty
};

struct EmailMessage {
  EmailAddress from;
  EmailAddress to;
  std::string subject;
  std::string text;  // at least one of text and html
  std::string html;
  std::string message_id;       // without <>, e.g. "abc123@mercato.example"; required
  std::string unsubscribe_url;  // https URL for one-click unsubscribe; empty: no header
  std::vector<std::pair<std::string, std::string>> extra_headers;  // e.g. X-Mercato-Journey
  int64_t date_us = 0;
};

// InvalidArgument unless `address` is an addr-spec mercato can put into an SMTP envelope: one
// '@', a non-empty local part and domain of printable ASCII without spaces, <>, quotes, commas or
// semicolons, at most 254 bytes.
Status ValidateEmailAddress(std::string_view address);

// The message as CRLF text ready for SMTP DATA. InvalidArgument for a bad address, no body, a
// missing message id, or header values with line breaks.
Result<std::string> BuildMime(const EmailMessage& message);

// RFC 5322 date, e.g. "Tue, 24 Nov 2026 16:05:00 +0000".
std::string FormatEmailDate(int64_t micros);

// Standard base64 (RFC 4648 section 4, padded), lines of at most `line` characters separated by
// CRLF (0: one line).
std::string Base64Encode(std::string_view bytes, size_t line = 0);

}  // namespace mercato::channel

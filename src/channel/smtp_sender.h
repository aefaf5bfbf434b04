#pragma once
// SmtpSender: sends one EmailMessage to one recipient over SMTP with libcurl, upgrading to TLS
// with STARTTLS when the server offers it (or requiring TLS), and classifies the outcome the way
// delivery retries need it: delivered, transient (4xx replies, timeouts, refused or dropped
// connections: retry later) or permanent (5xx replies: the address or message is refused; do
// not retry).
//
// Each Send opens its own connection (an SmtpSession, smtp_session.h) and closes it; delivery
// keeps one session open instead.
//
// Thread safety: Send is const and safe from any thread (one session per call).

#include <string>

#include "channel/email_message.h"

namespace mercato::channel {

struct SmtpOptions {
  std::string url = "smtp://127.0.0.1:25";  // smtp://host:port, or smtps:// for implicit TLS
  std::string username;                     // empty: no AUTH
  std::string password;
  bool require_tls = false;  // false: STARTTLS when offered; true: fail without TLS
  std::string ca_file;       // empty: the system's CA store
  int connect_timeout_ms = 5'000;
  int timeout_ms = 30'000;  // the whole conversation
};

struct SendResult {
  enum class Outcome { kDelivered, kTransient, kPermanent };
  Outcome outcome = Outcome::kTransient;
  int smtp_code = 0;   // the last reply code, 0 when none (no connection)
  std::string detail;  // libcurl's error text when not delivered
};

class SmtpSender {
 public:
  explicit SmtpSender(SmtpOptions options);
  SendResult Send(const EmailMessage& message) const;
  const SmtpOptions& options() const { return options_; }

 private:
  SmtpOptions options_;
};

}  // namespace mercato::channel

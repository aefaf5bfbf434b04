#pragma once
// SmtpSession: one SMTP connection kept open across messages, with a commit hook that narrows
// the window in which a crash can duplicate or lose a message to a single system call.
//
// libcurl connects, reads the greeting, says EHLO, upgrades with STARTTLS (when offered, or
// required) and authenticates (CURLOPT_CONNECT_ONLY); the transaction is ours: MAIL FROM,
// RCPT TO, DATA, the dot-stuffed message, and the end-of-data mark "\r\n.\r\n" sent in two
// parts:
//
//   1. everything up to and including "\r\n." is handed to the kernel;
//   2. `at_commit` runs: the caller records the message as sent, durably against a crash of this
//      process (a RocksDB write without fsync is enough for SIGKILL);
//   3. the final "\r\n" is sent, the server ends the data and replies.
//
// A crash before (2) completes leaves no record, and the server, whose data never ended, must
// discard the message (RFC 5321 section 4.1.1.4): sending it again delivers it once. A crash
// after (2) leaves the record, and the server gets the whole end mark (the kernel sends what it
// holds when the process dies): not sending it again delivers it once. Only a crash between the
// end of (2) and the send in (3) loses the message; the caller keeps that short by making its
// record a single write(2) (pipeline/commit_journal.h), so about a microsecond separates the
// two system calls. When the
// process lives, the server's reply decides as usual: a failure after `at_commit` is reported
// and the caller undoes its record.
//
// Outcomes are classified like SmtpSender's: 2xx delivered, 5xx permanent, anything else
// (4xx, timeouts, dropped connections) transient. A connection that failed is closed and the
// next Send connects again; an idle connection the server dropped is re-opened once.
//
// Thread safety: not thread-safe; one session per delivering thread.

#include <curl/curl.h>

#include <functional>
#include <string>
#include <string_view>

#include "channel/email_message.h"
#include "channel/smtp_sender.h"
#include "core/status.h"

namespace mercato::channel {

class SmtpSession {
 public:
  explicit SmtpSession(SmtpOptions options);
  ~SmtpSession();  // QUIT, when connected
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

  // `at_commit` may be empty. When it returns an error the message is abandoned before the
  // server can take it (the connection is closed) and the result is transient.
  SendResult Send(const EmailMessage& message, const std::function<Status()>& at_commit = {});
  bool connected() const { return curl_ != nullptr; }

 private:
  struct Reply {
    int code = 0;
    std::string text;
  };
  SendResult Transaction(const std::string& mime, const EmailMessage& message,
                         const std::function<Status()>& at_commit, bool& retry_on_new_connection);
  Status Connect(int& reply_code, std::string& detail);
  Status SendAll(std::string_view data);
  Result<Reply> ReadReply();
  Status Wait(bool for_write);
  void Close(bool quit);

  const SmtpOptions options_;
  CURL* curl_ = nullptr;
  curl_socket_t socket_ = CURL_SOCKET_BAD;
  std::string pending_;  // received bytes not yet consumed
};

// The message as DATA content: every line starting with '.' gets another '.', and the text
// ends with CRLF. `mime` uses CRLF line ends.
std::string DotStuff(std::string_view mime);

}  // namespace mercato::channel

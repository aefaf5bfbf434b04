#include "channel/smtp_session.h"

#include <poll.h>

#include <chrono>

#include "channel/curl_common.h"

namespace mercato::channel {
namespace {

SendResult Failure(int code, std::string detail) {
  SendResult result;
  result.smtp_code = code;
  result.detail = std::move(detail);
  result.outcome =
      code >= 500 && code < 600 ? SendResult::Outcome::kPermanent : SendResult::Outcome::kTransient;
  return result;
}

}  // namespace

std::string DotStuff(std::string_view mime) {
  std::string out;
  out.reserve(mime.size() + mime.size() / 64 + 2);
  bool line_start = true;
  for (char c : mime) {
    if (line_start && c == '.') out.push_back('.');
    out.push_back(c);
    line_start = c == '\n';
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  return out;
}

SmtpSession::SmtpSession(SmtpOptions options) : options_(std::move(options)) {
  internal::CurlGlobalInit();
}

SmtpSession::~SmtpSession() { Close(/*quit=*/true); }

void SmtpSession::Close(bool quit) {
  if (curl_ == nullptr) return;
  if (quit && SendAll("QUIT\r\n").ok()) (void)ReadReply();
  curl_easy_cleanup(curl_);
  curl_ = nullptr;
  socket_ = CURL_SOCKET_BAD;
  pending_.clear();
}

Status SmtpSession::Connect(int& reply_code, std::string& detail) {
  curl_ = curl_easy_init();
  if (curl_ == nullptr) return Status::Internal("libcurl could not create a handle");
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl_, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl_, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(
      curl_, CURLOPT_USE_SSL,
      options_.require_tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_TRY));
  if (!options_.username.empty()) {
    curl_easy_setopt(curl_, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(curl_, CURLOPT_PASSWORD, options_.password.c_str());
  }
  long reply = 0;
  const CURLcode code = internal::PerformWithLimits(
      curl_, options_.connect_timeout_ms, options_.timeout_ms, options_.ca_file, error, &reply);
  reply_code = static_cast<int>(reply);
  if (code != CURLE_OK) {
    detail = error[0] != 0 ? error : curl_easy_strerror(code);
    curl_easy_cleanup(curl_);
    curl_ = nullptr;
    return Status::Unavailable(detail);
  }
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);
  if (curl_easy_getinfo(curl_, CURLINFO_ACTIVESOCKET, &socket_) != CURLE_OK ||
      socket_ == CURL_SOCKET_BAD) {
    Close(false);
    detail = "libcurl gave no socket";
    return Status::Unavailable(detail);
  }
  return Status::Ok();
}

Status SmtpSession::Wait(bool for_write) {
  pollfd fd{socket_, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  const int ready = poll(&fd, 1, options_.timeout_ms);
  if (ready == 0) return Status::Unavailable("the SMTP server did not answer in time");
  if (ready < 0) return Status::Unavailable("poll failed");
  return Status::Ok();
}

Status SmtpSession::SendAll(std::string_view data) {
  while (!data.empty()) {
    size_t sent = 0;
    const CURLcode code = curl_easy_send(curl_, data.data(), data.size(), &sent);
    if (code == CURLE_AGAIN) {
      RETURN_IF_ERROR(Wait(/*for_write=*/true));
      continue;
    }
    if (code != CURLE_OK) {
      return Status::Unavailable(std::string("sending to the SMTP server: ") +
                                 curl_easy_strerror(code));
    }
    data.remove_prefix(sent);
  }
  return Status::Ok();
}

Result<SmtpSession::Reply> SmtpSession::ReadReply() {
  Reply reply;
  for (;;) {
    // Complete lines first: "250-..." continues, "250 ..." ends the reply.
    size_t end = pending_.find("\r\n");
    while (end != std::string::npos) {
      const std::string line = pending_.substr(0, end);
      pending_.erase(0, end + 2);
      if (line.size() < 3 || line[0] < '2' || line[0] > '5') {
        return Status::Unavailable("the SMTP server sent a malformed reply: " + line);
      }
      reply.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
      if (!reply.text.empty()) reply.text += " ";
      reply.text += line.size() > 4 ? line.substr(4) : "";
      if (line.size() == 3 || line[3] == ' ') return reply;
      end = pending_.find("\r\n");
    }
    if (pending_.size() > size_t{64} * 1024)
      return Status::Unavailable("an SMTP reply is too long");
    char buffer[4096];
    size_t received = 0;
    const CURLcode code = curl_easy_recv(curl_, buffer, sizeof buffer, &received);
    if (code == CURLE_AGAIN) {
      RETURN_IF_ERROR(Wait(/*for_write=*/false));
      continue;
    }
    if (code != CURLE_OK) {
      return Status::Unavailable(std::string("reading from the SMTP server: ") +
                                 curl_easy_strerror(code));
    }
    if (received == 0) return Status::Unavailable("the SMTP server closed the connection");
    pending_.append(buffer, received);
  }
}

SendResult SmtpSession::Send(const EmailMessage& message,
                             const std::function<Status()>& at_commit) {
  Result<std::string> mime = BuildMime(message);
  if (!mime.ok()) {
    SendResult result;
    result.outcome = SendResult::Outcome::kPermanent;
    result.detail = mime.status().message();
    return result;
  }
  const std::string data = DotStuff(*mime);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = curl_ != nullptr;
    if (!reused) {
      int code = 0;
      std::string detail;
      if (!Connect(code, detail).ok()) return Failure(code, detail);
    }
    bool retry = false;
    SendResult result = Transaction(data, message, at_commit, retry);
    // A kept connection the server dropped while idle fails at once: open a new one, once.
    if (!(retry && reused)) return result;
  }
  return Failure(0, "the SMTP connection was lost twice");
}

SendResult SmtpSession::Transaction(const std::string& data, const EmailMessage& message,
                                    const std::function<Status()>& at_commit,
                                    bool& retry_on_new_connection) {
  retry_on_new_connection = false;
  // One command and its reply; on a broken connection the session closes.
  auto command = [&](const std::string& line, int expected_class, SendResult& failure) -> bool {
    Status sent = SendAll(line);
    Result<Reply> reply = sent.ok() ? ReadReply() : Result<Reply>(sent);
    if (!reply.ok()) {
      failure = Failure(0, reply.status().message());
      Close(false);
      return false;
    }
    if (reply->code / 100 != expected_class) {
      failure = Failure(reply->code, reply->text);
      // The transaction is reset so the connection can carry the next message.
      if (SendAll("RSET\r\n").ok() && ReadReply().ok()) return false;
      Close(false);
      return false;
    }
    return true;
  };
  SendResult failure;
  if (!command("MAIL FROM:<" + message.from.address + ">\r\n", 2, failure)) {
    retry_on_new_connection = failure.smtp_code == 0;
    return failure;
  }
  if (!command("RCPT TO:<" + message.to.address + ">\r\n", 2, failure)) return failure;
  if (!command("DATA\r\n", 3, failure)) return failure;
  // The message and the end mark but its final CRLF: the server cannot end the data yet.
  Status sent = SendAll(data);
  if (sent.ok()) sent = SendAll(".");
  if (!sent.ok()) {
    Close(false);
    return Failure(0, sent.message());
  }
  if (at_commit) {
    if (Status committed = at_commit(); !committed.ok()) {
      Close(false);  // the data never ends: the server discards the message
      return Failure(0, "not sent: " + committed.message());
    }
  }
  Status ended = SendAll("\r\n");
  Result<Reply> reply = ended.ok() ? ReadReply() : Result<Reply>(ended);
  if (!reply.ok()) {
    Close(false);
    return Failure(0, reply.status().message());
  }
  if (reply->code / 100 != 2) return Failure(reply->code, reply->text);
  SendResult result;
  result.outcome = SendResult::Outcome::kDelivered;
  result.smtp_code = reply->code;
  return result;
}

}  // namespace mercato::channel

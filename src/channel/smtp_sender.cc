#include "channel/smtp_sender.h"

#include "channel/curl_common.h"

#include <cstring>

namespace mercato::channel {
namespace {

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t room = size * count;
  const size_t left = upload->data.size() - upload->offset;
  const size_t n = left < room ? left : room;
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

}  // namespace

SmtpSender::SmtpSender(SmtpOptions options) : options_(std::move(options)) {
  internal::CurlGlobalInit();
}

SendResult SmtpSender::Send(const EmailMessage& message) const {
  SendResult result;
  auto mime = BuildMime(message);
  if (!mime.ok()) {
    result.outcome = SendResult::Outcome::kPermanent;
    result.detail = mime.status().message();
    return result;
  }
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    result.detail = "libcurl could not create a handle";
    return result;
  }
  char error[CURL_ERROR_SIZE] = {0};
  Upload upload{*mime, 0};
  const std::string from = "<" + message.from.address + ">";
  const std::string to = "<" + message.to.address + ">";
  curl_slist* recipients = curl_slist_append(nullptr, to.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(
      curl, CURLOPT_USE_SSL,
      options_.require_tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_TRY));
  if (!options_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
  }
  long reply = 0;
  const CURLcode code = internal::PerformWithLimits(
      curl, options_.connect_timeout_ms, options_.timeout_ms, options_.ca_file, error, &reply);
  curl_slist_free_all(recipients);
  curl_easy_cleanup(curl);

  result.smtp_code = static_cast<int>(reply);
  if (code == CURLE_OK) {
    result.outcome = SendResult::Outcome::kDelivered;
    return result;
  }
  result.detail = error[0] != 0 ? error : curl_easy_strerror(code);
  // A 5xx reply is the server's final word on this message or address; everything else (4xx,
  // no reply, timeouts, TLS or connection failures) may succeed later.
  result.outcome = reply >= 500 && reply < 600 ? SendResult::Outcome::kPermanent
                                               : SendResult::Outcome::kTransient;
  return result;
}

}  // namespace mercato::channel

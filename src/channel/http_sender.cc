#include "channel/http_sender.h"

#include "channel/curl_common.h"

#include <charconv>

namespace mercato::channel {
namespace {

struct Received {
  std::string body;
  int64_t retry_after_s = -1;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* received = static_cast<Received*>(user);
  const size_t n = size * count;
  if (received->body.size() < 512) received->body.append(data, std::min<size_t>(n, 512));
  return n;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  auto* received = static_cast<Received*>(user);
  const std::string_view line(data, size * count);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size() && match; ++i) {
      match = static_cast<char>(std::tolower(static_cast<unsigned char>(line[i]))) == kName[i];
    }
    if (match) {
      std::string_view value = line.substr(kName.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      int64_t seconds = -1;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (ec == std::errc() && seconds >= 0) received->retry_after_s = seconds;
    }
  }
  return size * count;
}

}  // namespace

HttpSender::HttpSender(HttpOptions options) : options_(std::move(options)) {
  internal::CurlGlobalInit();
}

HttpResult HttpSender::Post(const std::string& url, const std::string& body,
                            const std::vector<std::pair<std::string, std::string>>& headers) const {
  HttpResult result;
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    result.outcome = SendResult::Outcome::kPermanent;
    result.detail = "not an http(s) URL";
    return result;
  }
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    result.detail = "libcurl could not create a handle";
    return result;
  }
  char error[CURL_ERROR_SIZE] = {0};
  Received received;
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  list = internal::AppendHeaders(list, headers);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &received);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  long status = 0;
  const CURLcode code = internal::PerformWithLimits(
      curl, options_.connect_timeout_ms, options_.timeout_ms, options_.ca_file, error, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);

  result.status = static_cast<int>(status);
  result.retry_after_s = received.retry_after_s;
  if (code != CURLE_OK) {
    result.detail = error[0] != 0 ? error : curl_easy_strerror(code);
    return result;  // transient: no (complete) response
  }
  if (status >= 200 && status < 300) {
    result.outcome = SendResult::Outcome::kDelivered;
    return result;
  }
  result.detail = "HTTP " + std::to_string(status) + ": " + received.body;
  const bool retry = status == 408 || status == 425 || status == 429 || status >= 500;
  result.outcome = retry ? SendResult::Outcome::kTransient : SendResult::Outcome::kPermanent;
  return result;
}

}  // namespace mercato::channel

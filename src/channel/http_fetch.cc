#include "channel/http_fetch.h"

#include "channel/curl_common.h"

namespace mercato::channel {
namespace {

struct Received {
  std::string body;
  size_t max_body = 0;
  bool too_large = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* received = static_cast<Received*>(user);
  const size_t n = size * count;
  if (received->body.size() + n > received->max_body) {
    received->too_large = true;
    return 0;  // aborts the transfer
  }
  received->body.append(data, n);
  return n;
}

}  // namespace

Result<FetchedResponse> HttpFetch(const std::string& url,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const HttpOptions& options, size_t max_body,
                                  const std::string* post_body) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return Status::InvalidArgument("not an http(s) URL: " + url.substr(0, 80));
  }
  internal::CurlGlobalInit();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Unavailable("libcurl could not create a handle");
  char error[CURL_ERROR_SIZE] = {0};
  Received received;
  received.max_body = max_body;
  curl_slist* list = internal::AppendHeaders(nullptr, headers);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (post_body == nullptr) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body->size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  long status = 0;
  const CURLcode code = internal::PerformWithLimits(
      curl, options.connect_timeout_ms, options.timeout_ms, options.ca_file, error, &status);
  char* content_type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
  FetchedResponse response;
  response.status = static_cast<int>(status);
  if (content_type != nullptr) response.content_type = content_type;
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  if (received.too_large) {
    return Status::ResourceExhausted("the answer exceeds " + std::to_string(max_body) + " bytes");
  }
  if (code != CURLE_OK) {
    return Status::Unavailable(error[0] != 0 ? error : curl_easy_strerror(code));
  }
  response.body = std::move(received.body);
  return response;
}

}  // namespace mercato::channel

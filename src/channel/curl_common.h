#pragma once
// libcurl setup shared by the SMTP and HTTP senders (internal to channel/).

#include <curl/curl.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mercato::channel::internal {

// curl_global_init once per process, before the first handle.
inline void CurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Appends "name: value" lines to `list` (which may be null); free with curl_slist_free_all.
inline curl_slist* AppendHeaders(curl_slist* list,
                                 const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    std::string line = name;
    line.append(": ").append(value);
    list = curl_slist_append(list, line.c_str());
  }
  return list;
}

// Timeouts, CA file, no signals (threads), and the error buffer; then performs the transfer and
// returns its code with the last response code (SMTP reply or HTTP status) in `*response`.
inline CURLcode PerformWithLimits(CURL* curl, int connect_timeout_ms, int timeout_ms,
                                  const std::string& ca_file, char* error, long* response) {
  if (!ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(curl);
  *response = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, response);
  return code;
}

}  // namespace mercato::channel::internal

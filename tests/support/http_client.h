#pragma once
// A small blocking HTTP/1.1 client for tests: one keep-alive connection to 127.0.0.1:port, which it
// reopens when the server closed it.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mercato::testing {

struct ClientResponse {
  int status = 0;  // 0 when the request could not be sent or no answer came
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error;  // transport error text when status == 0
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  explicit HttpClient(uint16_t port, std::string host = "127.0.0.1");
  ~HttpClient();

  ClientResponse Request(const std::string& method, const std::string& target,
                         const std::string& body = {},
                         const std::vector<std::pair<std::string, std::string>>& headers = {});
  ClientResponse Post(const std::string& target, const std::string& body,
                      const std::string& authorization) {
    return Request("POST", target, body, {{"Authorization", authorization}});
  }
  ClientResponse Get(const std::string& target, const std::string& authorization = {}) {
    return Request("GET", target, {}, {{"Authorization", authorization}});
  }
  // Sends raw bytes on a fresh connection and returns whatever comes back until close or timeout.
  std::string SendRaw(const std::string& bytes, int timeout_ms = 2000);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// "Basic base64(key:)" as Segment's libraries send it.
std::string BasicAuth(const std::string& key);

}  // namespace mercato::testing

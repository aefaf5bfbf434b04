#pragma once
// Real receivers for the channel tests, as child processes on ephemeral loopback ports:
// tests/tools/smtp_receiver.py (an SMTP server, Debian python3-aiosmtpd; each message lands as a
// JSON file per recipient, parsed by Python's e-mail package as a mail client would) and
// tests/tools/http_receiver.py (an HTTP server; each request lands as a JSON file).

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mercato::testing {

class ReceiverProcess {
 public:
  // `script`: a file name under tests/tools/.
  explicit ReceiverProcess(std::string script) : script_(std::move(script)) {}
  ~ReceiverProcess();  // closes the child's stdin (it exits), then SIGKILLs and reaps it

  // Starts the receiver with the script's extra arguments (see each script's usage) writing into
  // `out_dir`; waits up to 20 s for it to listen.
  bool Start(const std::filesystem::path& out_dir, const std::vector<std::string>& args,
             std::string& error);
  uint16_t port() const { return port_; }
  std::string Url(std::string_view scheme) const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_);
  }

  // What was received so far, in arrival order.
  std::vector<boost::json::value> Messages() const;

 private:
  std::string script_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  uint16_t port_ = 0;
  std::filesystem::path out_dir_;
};

}  // namespace mercato::testing

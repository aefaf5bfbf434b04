#pragma once
// A real SMTP server for tests: tests/tools/smtp_receiver.py (Debian python3-aiosmtpd) as a
// child process on an ephemeral loopback port. Each accepted message lands as a JSON file per
// recipient in a directory, parsed by Python's e-mail package as a mail client would.

#include <sys/types.h>

#include <boost/json/value.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mercato::testing {

class SmtpReceiver {
 public:
  SmtpReceiver() = default;
  ~SmtpReceiver();  // closes the child's stdin (it exits), then SIGKILLs and reaps it

  // Starts the receiver with extra arguments (--refuse ADDR, --defer ADDR, --stall ADDR,
  // --starttls CERT KEY) writing into `out_dir`; waits up to 20 s for it to listen.
  bool Start(const std::filesystem::path& out_dir, const std::vector<std::string>& args,
             std::string& error);
  uint16_t port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // The messages received so far, in arrival order (one per recipient).
  std::vector<boost::json::value> Messages() const;

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  uint16_t port_ = 0;
  std::filesystem::path out_dir_;
};

}  // namespace mercato::testing

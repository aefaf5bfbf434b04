#pragma once
// Runs the real `mercato` binary as a child process for end-to-end and crash tests.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mercato::testing {

class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();  // SIGKILLs a still-running child

  // Starts `mercato serve <args> --port 0` and waits (up to 30 s) for its "listening on" line.
  // Returns false (with `error`) when the child exits or stays silent.
  bool Start(const std::vector<std::string>& args, std::string& error);
  void Kill();      // SIGKILL and reap
  int Terminate();  // SIGTERM, wait; returns the exit status
  uint16_t port() const { return port_; }
  // "http" or "https", as the startup line said.
  const std::string& scheme() const { return scheme_; }
  pid_t pid() const { return pid_; }
  // What the child printed on stdout up to its "listening on" line.
  const std::string& startup_output() const { return startup_output_; }

  // When set before Start, the child's stderr (its log) is appended to this file.
  std::string stderr_path;

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
  std::string scheme_;
  std::string startup_output_;
};

}  // namespace mercato::testing

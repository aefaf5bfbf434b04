#include "support/server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "support/test_support.h"

namespace mercato::testing {

ServerProcess::~ServerProcess() { Kill(); }

bool ServerProcess::Start(const std::vector<std::string>& args, std::string& error) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    error = "pipe failed";
    return false;
  }
  std::string binary = MercatoBinary();
  std::vector<std::string> argv_storage = {binary, "serve"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  argv_storage.push_back("--port");
  argv_storage.push_back("0");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    if (!stderr_path.empty()) {
      int log_fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (log_fd >= 0) {
        dup2(log_fd, STDERR_FILENO);
        close(log_fd);
      }
    }
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::vector<char*> argv;
    for (auto& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  stdout_fd_ = pipe_fds[0];
  std::string output;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{stdout_fd_, POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0) continue;
    char buf[512];
    ssize_t n = read(stdout_fd_, buf, sizeof(buf));
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
    // "listening on http://ADDR:PORT" or "listening on https://ADDR:PORT".
    size_t at = output.find("listening on http");
    size_t scheme_end = output.find("://", at);
    if (at != std::string::npos && scheme_end != std::string::npos) {
      scheme_ = output.substr(at + std::strlen("listening on "),
                              scheme_end - at - std::strlen("listening on "));
      size_t colon = output.find(':', scheme_end + std::strlen("://"));
      size_t end = output.find_first_of(" \n", colon);
      if (colon != std::string::npos && end != std::string::npos) {
        port_ = static_cast<uint16_t>(std::atoi(output.substr(colon + 1, end - colon - 1).c_str()));
        startup_output_ = output;
        return true;
      }
    }
  }
  error = "server did not start; output: " + output;
  Kill();
  return false;
}

void ServerProcess::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) {
    close(stdout_fd_);
    stdout_fd_ = -1;
  }
}

int ServerProcess::Terminate() {
  int status = -1;
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) {
    close(stdout_fd_);
    stdout_fd_ = -1;
  }
  return status;
}

}  // namespace mercato::testing

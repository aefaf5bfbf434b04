#include "support/child_process.h"

#include <poll.h>
#include <unistd.h>

#include <chrono>

namespace mercato::testing {

bool SpawnAndAwaitLine(const std::vector<std::string>& argv, std::string_view marker, int timeout_s,
                       StartedChild& child) {
  int in_pipe[2];
  int out_pipe[2];
  if (pipe(in_pipe) != 0) return false;
  if (pipe(out_pipe) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return false;
  }
  std::vector<std::string> text = argv;
  child.pid = fork();
  if (child.pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    close(in_pipe[1]);
    close(out_pipe[0]);
    std::vector<char*> args;
    args.reserve(text.size() + 1);
    for (std::string& arg : text) args.push_back(arg.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  child.stdin_fd = in_pipe[1];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  bool found = false;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    pollfd fd{out_pipe[0], POLLIN, 0};
    if (poll(&fd, 1, 100) <= 0) continue;
    char buffer[512];
    const ssize_t n = read(out_pipe[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    child.output.append(buffer, static_cast<size_t>(n));
    const size_t at = child.output.find(marker);
    const size_t end = at == std::string::npos ? at : child.output.find('\n', at);
    if (end != std::string::npos) {
      child.value = child.output.substr(at + marker.size(), end - at - marker.size());
      found = true;
    }
  }
  close(out_pipe[0]);
  return found;
}

}  // namespace mercato::testing

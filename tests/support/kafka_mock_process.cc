#include "support/kafka_mock_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

namespace mercato::testing {

KafkaMockProcess::~KafkaMockProcess() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool KafkaMockProcess::Start(int brokers, const std::vector<std::string>& topics,
                             std::string& error) {
  const char* binary = std::getenv("MERCATO_KAFKA_MOCK");
  if (binary == nullptr || *binary == '\0') {
    error = "MERCATO_KAFKA_MOCK is not set (CTest sets it to the kafka_mock binary)";
    return false;
  }
  std::vector<std::string> argv_text = {binary, "--brokers", std::to_string(brokers)};
  for (const std::string& topic : topics) {
    argv_text.emplace_back("--topic");
    argv_text.push_back(topic);
  }
  int in_pipe[2];
  int out_pipe[2];
  if (pipe(in_pipe) != 0) {
    error = "pipe failed";
    return false;
  }
  if (pipe(out_pipe) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    error = "pipe failed";
    return false;
  }
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    close(in_pipe[1]);
    close(out_pipe[0]);
    std::vector<char*> argv;
    argv.reserve(argv_text.size() + 1);
    for (std::string& arg : argv_text) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  stdin_fd_ = in_pipe[1];
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd{out_pipe[0], POLLIN, 0};
    if (poll(&fd, 1, 100) <= 0) continue;
    char buffer[512];
    const ssize_t n = read(out_pipe[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
    const size_t at = output.find("bootstrap ");
    const size_t end = output.find('\n', at);
    if (at != std::string::npos && end != std::string::npos) {
      bootstrap_ = output.substr(at + 10, end - at - 10);
      close(out_pipe[0]);
      return true;
    }
  }
  close(out_pipe[0]);
  error = "kafka_mock did not start; it printed: " + output;
  return false;
}

}  // namespace mercato::testing

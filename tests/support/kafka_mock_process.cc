#include "support/kafka_mock_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "support/child_process.h"

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
  StartedChild child;
  const bool started = SpawnAndAwaitLine(argv_text, "bootstrap ", 20, child);
  pid_ = child.pid;
  stdin_fd_ = child.stdin_fd;
  if (started) {
    bootstrap_ = child.value;
    return true;
  }
  error = "kafka_mock did not start; it printed: " + child.output;
  return false;
}

}  // namespace mercato::testing

#pragma once
// Starting helper processes for tests (receivers, the mock Kafka cluster): a child with pipes on
// its standard input and output, waited for until it prints a line that says it is ready.

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace mercato::testing {

struct StartedChild {
  pid_t pid = -1;
  int stdin_fd = -1;   // the write end of the child's standard input (closing it asks many to exit)
  std::string value;   // the rest of the line after `marker`
  std::string output;  // everything read from its standard output
};

// Runs `argv` (argv[0] a path) and waits up to `timeout_s` for a line of its standard output that
// contains `marker`. False when the child exits or stays silent; `child` keeps pid and stdin_fd
// either way, for the caller to clean up.
bool SpawnAndAwaitLine(const std::vector<std::string>& argv, std::string_view marker, int timeout_s,
                       StartedChild& child);

}  // namespace mercato::testing

#include "support/receiver_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

#include "support/child_process.h"
#include "support/test_support.h"

namespace mercato::testing {

ReceiverProcess::~ReceiverProcess() {
  if (stdin_fd_ >= 0) close(stdin_fd_);
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool ReceiverProcess::Start(const std::filesystem::path& out_dir,
                            const std::vector<std::string>& args, std::string& error) {
  out_dir_ = out_dir;
  std::filesystem::create_directories(out_dir);
  const std::string script = (SourceDir() / "tests/tools" / script_).string();
  std::vector<std::string> argv = {"/usr/bin/python3", script, "--out", out_dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  StartedChild child;
  const bool started = SpawnAndAwaitLine(argv, "listening on ", 20, child);
  pid_ = child.pid;
  stdin_fd_ = child.stdin_fd;
  if (started) {
    port_ = static_cast<uint16_t>(std::stoi(child.value));
    return true;
  }
  error =
      "the SMTP receiver did not start (is python3-aiosmtpd installed? scripts/install-deps.sh)"
      "; it printed: " +
      child.output;
  return false;
}

std::vector<boost::json::value> ReceiverProcess::Messages() const {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir_)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<boost::json::value> out;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(text.str(), ec);
    if (!ec) out.push_back(std::move(value));
  }
  return out;
}

}  // namespace mercato::testing

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
  int in_pipe[2];
  int out_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0) {
    error = "pipe failed";
    return false;
  }
  const std::string script = (SourceDir() / "tests/tools" / script_).string();
  std::vector<std::string> argv_text = {"/usr/bin/python3", script, "--out", out_dir.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    close(in_pipe[1]);
    close(out_pipe[0]);
    std::vector<char*> argv;
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
    char buffer[256];
    const ssize_t n = read(out_pipe[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
    const size_t at = output.find("listening on ");
    const size_t end = output.find('\n', at);
    if (at != std::string::npos && end != std::string::npos) {
      port_ = static_cast<uint16_t>(std::stoi(output.substr(at + 13, end - at - 13)));
      close(out_pipe[0]);
      return true;
    }
  }
  close(out_pipe[0]);
  error =
      "the SMTP receiver did not start (is python3-aiosmtpd installed? scripts/install-deps.sh)"
      "; it printed: " +
      output;
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

#include "support/test_support.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>

namespace mercato::testing {

TempDir::TempDir() {
  std::random_device device;
  std::mt19937_64 rng(device());
  auto base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate = base / ("mercato-test-" + std::to_string(rng()));
    std::error_code ec;
    if (std::filesystem::create_directory(candidate, ec)) {
      path_ = candidate;
      return;
    }
  }
  std::abort();  // the temp dir is unusable: nothing a test can do
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path DataDir() {
  if (const char* dir = std::getenv("MERCATO_DATA_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  if (const char* source = std::getenv("MERCATO_SOURCE_DIR"); source != nullptr) {
    return std::filesystem::path(source) / ".." / "shared" / "data";
  }
  return std::filesystem::path("..") / "shared" / "data";
}

std::optional<std::filesystem::path> FindDataFile(const std::string& relative,
                                                  std::string& message) {
  auto path = DataDir() / relative;
  if (std::filesystem::exists(path)) return path;
  message = "data set missing: " + path.string() + " (set MERCATO_DATA_DIR)";
  return std::nullopt;
}

bool WaitFor(const std::function<bool()>& condition, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval, not a delay
  }
}

std::filesystem::path SourceDir() {
  if (const char* source = std::getenv("MERCATO_SOURCE_DIR");
      source != nullptr && *source != '\0') {
    return source;
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

std::optional<std::string> RunCommand(const std::string& command) {
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[4096];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, read);
  if (pclose(pipe) != 0) return std::nullopt;
  return output;
}

std::string MercatoBinary() {
  const char* binary = std::getenv("MERCATO_BINARY");
  return binary != nullptr ? binary : "mercato";
}

}  // namespace mercato::testing

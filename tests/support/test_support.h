#pragma once
// Helpers shared by tests: temporary directories and data-set lookup.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace mercato::testing {

// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// MERCATO_DATA_DIR or ../shared/data relative to the source tree.
std::filesystem::path DataDir();

// The path of a data-set file, or nullopt. Under CI=true a missing file fails the current test
// (ADD_FAILURE); elsewhere the caller should GTEST_SKIP() with the returned message.
std::optional<std::filesystem::path> FindDataFile(const std::string& relative,
                                                  std::string& message);

// Path of the mercato binary under test (MERCATO_BINARY, set by CTest).
std::string MercatoBinary();

// The project's source tree (MERCATO_SOURCE_DIR, set by CTest; else derived from this file).
std::filesystem::path SourceDir();

// Runs a shell command; returns its standard output, or nullopt when it cannot run or exits
// non-zero.
std::optional<std::string> RunCommand(const std::string& command);

// Polls `condition` every few milliseconds until it holds or `timeout_ms` passes; returns whether
// it held. For waiting on another thread or process, never as a fixed delay.
bool WaitFor(const std::function<bool()>& condition, int timeout_ms = 10'000);

}  // namespace mercato::testing

// Skips (or, under CI=true, fails) when a data set is missing; declares `var` as its path.
#define REQUIRE_DATA_FILE(var, relative)                                                     \
  std::filesystem::path var;                                                                 \
  {                                                                                          \
    std::string mercato_data_message_;                                                       \
    auto mercato_found_ = ::mercato::testing::FindDataFile(relative, mercato_data_message_); \
    if (!mercato_found_) {                                                                   \
      if (std::getenv("CI") != nullptr && std::string(std::getenv("CI")) == "true") {        \
        FAIL() << mercato_data_message_;                                                     \
      }                                                                                      \
      GTEST_SKIP() << mercato_data_message_;                                                 \
    }                                                                                        \
    var = *mercato_found_;                                                                   \
  }

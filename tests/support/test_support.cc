#include "support/test_support.h"

#include <cstdlib>
#include <random>

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

std::string MercatoBinary() {
  const char* binary = std::getenv("MERCATO_BINARY");
  return binary != nullptr ? binary : "mercato";
}

}  // namespace mercato::testing

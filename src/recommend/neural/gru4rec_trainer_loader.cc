#include "recommend/neural/gru4rec_trainer_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace mercato::recommend {
namespace {

std::vector<std::filesystem::path> PluginDirectories() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("MERCATO_PLUGIN_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back(exe.parent_path());
    dirs.push_back(exe.parent_path() / ".." / "lib" / "mercato");
  }
#ifdef MERCATO_TRAINER_BUILD_DIR
  dirs.emplace_back(MERCATO_TRAINER_BUILD_DIR);
#endif
  return dirs;
}

struct Loaded {
  Gru4RecTrainerEntry entry = nullptr;
  Status status;
};

Loaded Load() {
  std::string tried;
  for (const std::filesystem::path& dir : PluginDirectories()) {
    const std::filesystem::path path = dir / kGru4RecTrainerFile;
    if (!std::filesystem::exists(path)) {
      tried += "\n  " + path.string() + ": not there";
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* error = dlerror();
      tried += "\n  " + path.string() + ": " + (error != nullptr ? error : "cannot load");
      continue;
    }
    void* symbol = dlsym(handle, kGru4RecTrainerEntry);
    if (symbol == nullptr) {
      tried += "\n  " + path.string() + ": no " + kGru4RecTrainerEntry;
      dlclose(handle);
      continue;
    }
    // The handle stays open for the life of the process.
    return {reinterpret_cast<Gru4RecTrainerEntry>(symbol), Status::Ok()};
  }
  return {nullptr,
          Status::FailedPrecondition(std::string("training gru4rec needs the libtorch plugin ") +
                                     kGru4RecTrainerFile + "; tried:" + tried)};
}

}  // namespace

Result<std::unique_ptr<Gru4RecWeights>> TrainGru4RecWeightsInPlugin(const SessionCorpus& train,
                                                                    const Gru4RecOptions& options) {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = Load(); });
  if (loaded.entry == nullptr) return loaded.status;
  Result<std::unique_ptr<Gru4RecWeights>> out =
      Status::Internal("the gru4rec plugin gave no result");
  loaded.entry(&train, &options, &out);
  return out;
}

}  // namespace mercato::recommend

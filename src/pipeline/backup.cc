#include "pipeline/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "core/time_format.h"
#include "privacy/crypto.h"

namespace mercato {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kManifest = "backup.json";
constexpr std::string_view kFormat = "mercato-backup";

Status FsError(std::string_view what, const fs::path& path, const std::error_code& error) {
  return Status::IoError(std::string(what) + " " + path.string() + ": " + error.message());
}

// Files RocksDB owns at the top of the data directory: the checkpoint has its own consistent
// set of them (LOCK and the info logs are not wanted at all).
bool IsDatabaseFile(const std::string& name) {
  if (name == "CURRENT" || name == "IDENTITY" || name == "LOCK" || name == "LOG") return true;
  if (name.starts_with("LOG.old") || name.starts_with("MANIFEST-") ||
      name.starts_with("OPTIONS-")) {
    return true;
  }
  if (name.ends_with(".sst") || name.ends_with(".blob") || name.ends_with(".dbtmp")) return true;
  // Write-ahead logs: digits then ".log".
  if (name.ends_with(".log") && name.size() > 4) {
    return std::all_of(name.begin(), name.end() - 4, [](char c) { return c >= '0' && c <= '9'; });
  }
  return false;
}

Status Sync(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return Status::IoError("cannot open " + path.string() + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::IoError("fsync " + path.string() + " failed");
}

// Every regular file under `root`, as paths relative to it, sorted.
Result<std::vector<fs::path>> FilesUnder(const fs::path& root) {
  std::vector<fs::path> files;
  std::error_code error;
  for (fs::recursive_directory_iterator it(root, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file(error)) files.push_back(it->path().lexically_relative(root));
  }
  if (error) return FsError("cannot list", root, error);
  std::sort(files.begin(), files.end());
  return files;
}

Result<json::object> ReadManifest(const fs::path& from) {
  std::ifstream in(from / kManifest);
  if (!in) return Status::InvalidArgument(from.string() + " is not a backup: no backup.json");
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code error;
  json::value parsed = json::parse(text.str(), error);
  const json::object* manifest = error ? nullptr : parsed.if_object();
  const json::value* format = manifest != nullptr ? manifest->if_contains("format") : nullptr;
  if (format == nullptr || !format->is_string() || format->get_string() != kFormat) {
    return Status::InvalidArgument(from.string() + "/backup.json is not a mercato backup manifest");
  }
  const json::value* version = manifest->if_contains("version");
  if (version == nullptr || !version->is_int64() || version->get_int64() != 1) {
    return Status::InvalidArgument(from.string() + "/backup.json has an unknown version");
  }
  const json::value* files = manifest->if_contains("files");
  if (files == nullptr || !files->is_array()) {
    return Status::InvalidArgument(from.string() + "/backup.json has no file list");
  }
  return *manifest;
}

}  // namespace

Result<BackupSummary> CreateBackup(Store& store, const std::string& data_dir,
                                   const std::string& out, int64_t now_us) {
  std::error_code error;
  const fs::path source = fs::weakly_canonical(data_dir, error);
  if (error) return FsError("cannot resolve", data_dir, error);
  const fs::path target = fs::weakly_canonical(out, error);
  if (error) return FsError("cannot resolve", out, error);
  const auto [differ, rest] =
      std::mismatch(source.begin(), source.end(), target.begin(), target.end());
  if (differ == source.end()) {
    return Status::FailedPrecondition("the backup cannot go inside the data directory " +
                                      source.string());
  }
  if (fs::exists(target, error)) {
    return Status::FailedPrecondition(target.string() + " already exists");
  }
  fs::create_directories(target.parent_path(), error);
  if (error) return FsError("cannot create", target.parent_path(), error);
  const fs::path partial = target.string() + ".partial-" + std::to_string(::getpid());
  fs::remove_all(partial, error);  // a leftover of an interrupted attempt

  RETURN_IF_ERROR(store.CreateCheckpoint(partial.string()));
  // The rest of the data directory; anchors (".head") before the logs they anchor.
  ASSIGN_OR_RETURN(std::vector<fs::path> side, FilesUnder(source));
  std::stable_partition(side.begin(), side.end(),
                        [](const fs::path& path) { return path.extension() == ".head"; });
  for (const fs::path& relative : side) {
    const bool top = relative.parent_path().empty();
    if (top && IsDatabaseFile(relative.string())) continue;
    if (top && relative.string() == kManifest) continue;
    const fs::path copy = partial / relative;
    fs::create_directories(copy.parent_path(), error);
    if (error) return FsError("cannot create", copy.parent_path(), error);
    if (!fs::copy_file(source / relative, copy, fs::copy_options::overwrite_existing, error)) {
      // A file that went away meanwhile (a rotated journal) is simply not part of the backup.
      if (error == std::errc::no_such_file_or_directory) continue;
      return FsError("cannot copy", source / relative, error);
    }
    RETURN_IF_ERROR(Sync(copy, false));
  }

  BackupSummary summary;
  summary.created_at = FormatTimestamp(now_us);
  json::array listed;
  ASSIGN_OR_RETURN(std::vector<fs::path> files, FilesUnder(partial));
  for (const fs::path& relative : files) {
    ASSIGN_OR_RETURN(std::string digest, crypto::Sha256File((partial / relative).string()));
    const uint64_t bytes = fs::file_size(partial / relative, error);
    if (error) return FsError("cannot stat", partial / relative, error);
    listed.push_back(json::object{{"path", relative.generic_string()},
                                  {"bytes", bytes},
                                  {"sha256", crypto::HexEncode(digest)}});
    ++summary.files;
    summary.bytes += bytes;
  }
  const json::object manifest{{"format", kFormat},
                              {"version", 1},
                              {"createdAt", summary.created_at},
                              {"files", std::move(listed)}};
  {
    std::ofstream manifest_out(partial / kManifest, std::ios::trunc);
    manifest_out << json::serialize(manifest) << "\n";
    if (!manifest_out.flush()) return Status::IoError("cannot write the backup manifest");
  }
  RETURN_IF_ERROR(Sync(partial / kManifest, false));
  RETURN_IF_ERROR(Sync(partial, true));
  fs::rename(partial, target, error);
  if (error) return FsError("cannot rename the backup to", target, error);
  RETURN_IF_ERROR(Sync(target.parent_path(), true));
  summary.path = target.string();
  return summary;
}

Result<BackupSummary> VerifyBackup(const std::string& from) {
  ASSIGN_OR_RETURN(json::object manifest, ReadManifest(from));
  BackupSummary summary;
  summary.path = from;
  if (const json::value* created = manifest.if_contains("createdAt");
      created && created->is_string()) {
    summary.created_at = std::string(created->get_string());
  }
  for (const json::value& entry : manifest.at("files").get_array()) {
    const json::object* file = entry.if_object();
    const json::value* path = file != nullptr ? file->if_contains("path") : nullptr;
    const json::value* bytes = file != nullptr ? file->if_contains("bytes") : nullptr;
    const json::value* sha = file != nullptr ? file->if_contains("sha256") : nullptr;
    if (path == nullptr || !path->is_string() || bytes == nullptr || !bytes->is_number() ||
        sha == nullptr || !sha->is_string()) {
      return Status::InvalidArgument(from +
                                     "/backup.json: a file entry lacks path, bytes or sha256");
    }
    const fs::path relative(std::string(path->get_string()));
    if (relative.empty() || relative.is_absolute() ||
        std::any_of(relative.begin(), relative.end(),
                    [](const fs::path& part) { return part == ".." || part == "."; })) {
      return Status::InvalidArgument(
          from + "/backup.json names a path outside the backup: " + relative.string());
    }
    const fs::path full = fs::path(from) / relative;
    std::error_code error;
    const uint64_t size = fs::file_size(full, error);
    if (error) return Status::Corruption(relative.string() + " is missing from the backup");
    if (size != bytes->to_number<uint64_t>()) {
      return Status::Corruption(relative.string() + " has " + std::to_string(size) +
                                " bytes, the manifest says " +
                                std::to_string(bytes->to_number<uint64_t>()));
    }
    ASSIGN_OR_RETURN(std::string digest, crypto::Sha256File(full.string()));
    if (crypto::HexEncode(digest) != sha->get_string()) {
      return Status::Corruption(relative.string() + " does not match its SHA-256 in backup.json");
    }
    ++summary.files;
    summary.bytes += size;
  }
  return summary;
}

Result<BackupSummary> RestoreBackup(const std::string& from, const std::string& data_dir) {
  std::error_code error;
  const fs::path target(data_dir);
  if (fs::exists(target, error)) {
    if (!fs::is_directory(target, error) || !fs::is_empty(target, error)) {
      return Status::FailedPrecondition(data_dir +
                                        " is not empty: restore only into a new data directory");
    }
  }
  ASSIGN_OR_RETURN(BackupSummary summary, VerifyBackup(from));
  json::object manifest = std::move(ReadManifest(from)).value();
  fs::create_directories(fs::absolute(target).parent_path(), error);
  if (error) return FsError("cannot create", fs::absolute(target).parent_path(), error);
  const fs::path partial = target.string() + ".partial-" + std::to_string(::getpid());
  fs::remove_all(partial, error);
  for (const json::value& entry : manifest.at("files").get_array()) {
    const fs::path relative(std::string(entry.at("path").get_string()));
    const fs::path copy = partial / relative;
    fs::create_directories(copy.parent_path(), error);
    if (error) return FsError("cannot create", copy.parent_path(), error);
    if (!fs::copy_file(fs::path(from) / relative, copy, error)) {
      return FsError("cannot copy", fs::path(from) / relative, error);
    }
    RETURN_IF_ERROR(Sync(copy, false));
  }
  RETURN_IF_ERROR(Sync(partial, true));
  fs::remove(target, error);  // an empty directory, or nothing
  fs::rename(partial, target, error);
  if (error) return FsError("cannot rename the restored copy to", target, error);
  summary.path = target.string();
  return summary;
}

}  // namespace mercato

#include "privacy/master_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "privacy/crypto.h"

namespace mercato {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> ParseMasterKey(std::string_view text) {
  text = Trim(text);
  std::string key;
  if (text.size() == 2 * crypto::kKeyBytes) {
    for (size_t i = 0; i < text.size(); i += 2) {
      int high = HexValue(text[i]);
      int low = HexValue(text[i + 1]);
      if (high < 0 || low < 0) {
        return Status::InvalidArgument("master key: 64 characters but not all hex digits");
      }
      key.push_back(static_cast<char>(high * 16 + low));
    }
    return key;
  }
  if (crypto::Base64UrlDecode(text, key) && key.size() == crypto::kKeyBytes) return key;
  return Status::InvalidArgument(
      "master key must be 32 bytes written as 64 hex digits or 43 base64url characters (got " +
      std::to_string(text.size()) + " characters)");
}

Result<std::string> ReadMasterKeyFile(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return Status::NotFound("master key file " + path + " not found");
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return Status::PermissionDenied("master key file " + path +
                                    " is accessible by group or others; chmod 600 it");
  }
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot read master key file " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto key = ParseMasterKey(text.str());
  if (!key.ok()) return Status::InvalidArgument(path + ": " + key.status().message());
  return key;
}

Status CreateMasterKeyFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string key, crypto::RandomBytes(crypto::kKeyBytes));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists("master key file " + path + " exists");
    return Status::IoError("cannot create master key file " + path);
  }
  std::string text = crypto::HexEncode(key) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status::IoError("cannot write master key file " + path);
  return Status::Ok();
}

Result<ResolvedMasterKey> ResolveMasterKey(const std::string& key_file,
                                           const std::string& data_dir) {
  if (const char* env = std::getenv(kMasterKeyEnv); env != nullptr && *env != '\0') {
    auto key = ParseMasterKey(env);
    if (!key.ok()) {
      return Status::InvalidArgument(std::string(kMasterKeyEnv) + ": " + key.status().message());
    }
    return ResolvedMasterKey{std::move(key).value(), "environment"};
  }
  if (!key_file.empty()) {
    ASSIGN_OR_RETURN(std::string key, ReadMasterKeyFile(key_file));
    return ResolvedMasterKey{std::move(key), key_file};
  }
  std::string path = (std::filesystem::path(data_dir) / "master.key").string();
  auto key = ReadMasterKeyFile(path);
  if (key.ok()) return ResolvedMasterKey{std::move(key).value(), path};
  if (key.status().code() != StatusCode::kNotFound) return key.status();
  RETURN_IF_ERROR(CreateMasterKeyFile(path));
  ASSIGN_OR_RETURN(std::string created, ReadMasterKeyFile(path));
  return ResolvedMasterKey{std::move(created), path + " (created)"};
}

}  // namespace mercato

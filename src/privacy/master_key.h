#pragma once
// The master key: 32 bytes that wrap every customer's data key (privacy/key_vault.h). It is never
// stored in the database; whoever holds the data directory without the master key holds only
// ciphertext.
//
// Text form: 64 hex digits, or 43 characters of unpadded base64url; surrounding whitespace is
// ignored. Sources, first match wins: the environment variable MERCATO_MASTER_KEY, the file given
// with --master-key-file, the file <data-dir>/master.key (created with a fresh random key, mode
// 0600, when none of the others exists — convenient for a single machine, but then a copy of the
// data directory includes the key: production deployments keep the key elsewhere).
//
// Thread safety: pure functions; ResolveMasterKey reads the environment and the file system.

#include <string>
#include <string_view>

#include "core/status.h"

namespace mercato {

inline constexpr char kMasterKeyEnv[] = "MERCATO_MASTER_KEY";

// The 32 raw bytes of a master key's text form; InvalidArgument naming what is wrong otherwise.
Result<std::string> ParseMasterKey(std::string_view text);

// Reads and parses a key file. NotFound when absent, PermissionDenied when the file is readable by
// group or others (a secret must not be), InvalidArgument when malformed.
Result<std::string> ReadMasterKeyFile(const std::string& path);

// Writes a new random key to `path` (hex, mode 0600). AlreadyExists when the file exists.
Status CreateMasterKeyFile(const std::string& path);

struct ResolvedMasterKey {
  std::string key;     // 32 bytes
  std::string origin;  // "environment", the file path, or "<path> (created)"
};

// Applies the precedence above. `key_file` may be empty.
Result<ResolvedMasterKey> ResolveMasterKey(const std::string& key_file,
                                           const std::string& data_dir);

}  // namespace mercato

#pragma once
// Backups of a node's data directory (docs/operations.md "Backups and restore").
//
// A backup is a directory holding:
//   - a RocksDB checkpoint of the store (memtables flushed first, so no write-ahead log is needed;
//     SST files hard-linked when the backup is on the data directory's file system);
//   - every other file of the data directory as it is: the audit log and its anchor (the anchor
//     is copied before the log, so a record appended meanwhile is at worst an unacknowledged tail
//     that the audit log's Open cuts off), the generated master key when it lives there, the
//     delivery commit journal, the first admin key file;
//   - backup.json: {"format": "mercato-backup", "version": 1, "createdAt", "files": [{"path",
//     "bytes", "sha256"}]} listing every other file with its size and SHA-256.
// It is built under "<out>.partial-<pid>" and renamed into place, so `out` is either a complete
// backup or absent. Restoring verifies every listed file first and writes nothing when one is
// missing, shorter, longer or different.
//
// A backup holds personal data and, with a generated master key, the key to it; customers erased
// after a backup was taken come back with a restore (docs/privacy.md).
//
// Thread safety: CreateBackup is safe while the node runs (RocksDB checkpoints are); the others
// touch only their directories.

#include <cstdint>
#include <string>

#include "core/status.h"
#include "storage/store.h"

namespace mercato {

struct BackupSummary {
  std::string path;
  uint64_t files = 0;  // listed in backup.json
  uint64_t bytes = 0;
  std::string created_at;  // ISO-8601
};

// Writes a backup of the node (`store`, opened on `data_dir`) to `out`. FailedPrecondition when
// `out` exists or lies inside `data_dir`; IoError for file system failures.
Result<BackupSummary> CreateBackup(Store& store, const std::string& data_dir,
                                   const std::string& out, int64_t now_us);

// Checks `from` against its backup.json. Corruption naming the first bad file; InvalidArgument
// when it is not a backup.
Result<BackupSummary> VerifyBackup(const std::string& from);

// Verifies `from`, then copies it to `data_dir`, which must not exist or be an empty directory
// (FailedPrecondition otherwise). Nothing is written to `data_dir` unless verification passed;
// the copy is made beside it and renamed into place.
Result<BackupSummary> RestoreBackup(const std::string& from, const std::string& data_dir);

}  // namespace mercato

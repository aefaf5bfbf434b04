// `mercato backup` and `mercato restore` (pipeline/backup.h; docs/operations.md).

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "core/clock.h"
#include "pipeline/backup.h"
#include "storage/store.h"

namespace mercato::cli {
namespace {

int Fail(const char* command, const Status& status) {
  std::fprintf(stderr, "mercato %s: %s\n", command, status.ToString().c_str());
  return 1;
}

void Print(const char* what, const BackupSummary& summary) {
  std::printf("%s %s: %llu files, %llu bytes%s%s\n", what, summary.path.c_str(),
              static_cast<unsigned long long>(summary.files),
              static_cast<unsigned long long>(summary.bytes),
              summary.created_at.empty() ? "" : ", taken ", summary.created_at.c_str());
}

}  // namespace

int RunBackup(const BackupOptions& options) {
  if (!std::filesystem::exists(options.data_dir)) {
    return Fail("backup", Status::NotFound("no data directory at " + options.data_dir));
  }
  StoreOptions store_options;
  store_options.path = options.data_dir;
  auto store = Store::Open(store_options);
  if (!store.ok()) {
    return Fail("backup",
                Status::FailedPrecondition(
                    store.status().message() +
                    " (while a server runs on it, use POST /v1/admin/backups with --backup-dir)"));
  }
  auto summary =
      CreateBackup(**store, options.data_dir, options.out, SystemClock::Instance().NowMicros());
  if (!summary.ok()) return Fail("backup", summary.status());
  Print("backup", *summary);
  return 0;
}

int RunRestore(const RestoreOptions& options) {
  if (options.verify_only) {
    auto verified = VerifyBackup(options.from);
    if (!verified.ok()) return Fail("restore", verified.status());
    Print("verified", *verified);
    return 0;
  }
  auto restored = RestoreBackup(options.from, options.data_dir);
  if (!restored.ok()) return Fail("restore", restored.status());
  // The drill's last step: the restored store opens.
  StoreOptions store_options;
  store_options.path = options.data_dir;
  auto store = Store::Open(store_options);
  if (!store.ok()) return Fail("restore", store.status());
  Print("restored", *restored);
  return 0;
}

}  // namespace mercato::cli

// Backups (pipeline/backup.h): what a backup holds, that a restore gives back exactly the state at
// the backup, and that a damaged, incomplete or misplaced backup is refused with nothing written.

#include "pipeline/backup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.h"

namespace mercato {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::trunc) << text;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = root_.path() / "data";
    StoreOptions options;
    options.path = data_.string();
    store_ = std::move(Store::Open(options)).value();
    for (int i = 0; i < 1000; ++i) Put("k" + std::to_string(i), "before");
    // Files beside the database, as a node keeps them.
    WriteFile(data_ / "audit" / "audit.log", "line 1\n");
    WriteFile(data_ / "audit" / "audit.head", "{\"seq\":1}");
    WriteFile(data_ / "master.key", "0123456789abcdef0123456789abcdef");
  }

  void Put(const std::string& key, const std::string& value) {
    rocksdb::WriteBatch batch;
    batch.Put(store_->cf(Cf::kProfiles), key, value);
    ASSERT_TRUE(store_->Write(batch, false).ok());
  }

  testing::TempDir root_;
  fs::path data_;
  std::unique_ptr<Store> store_;
};

TEST_F(BackupTest, ARestoreGivesBackTheStateAtTheBackup) {
  const fs::path out = root_.path() / "backups" / "b1";
  auto made = CreateBackup(*store_, data_.string(), out.string(), 1'764'000'000'000'000);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_GT(made->files, 3u);
  EXPECT_TRUE(fs::exists(out / "backup.json"));
  EXPECT_TRUE(fs::exists(out / "CURRENT"));
  EXPECT_FALSE(fs::exists(out / "LOCK"));
  EXPECT_EQ(ReadFile(out / "audit" / "audit.log"), "line 1\n");
  EXPECT_EQ(ReadFile(out / "master.key"), "0123456789abcdef0123456789abcdef");
  for (const auto& entry : fs::directory_iterator(root_.path() / "backups")) {
    EXPECT_EQ(entry.path().filename(), "b1");  // no partial directory left behind
  }
  // Writes after the backup are not in it.
  Put("k0", "after");
  Put("late", "after");

  auto verified = VerifyBackup(out.string());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->files, made->files);
  EXPECT_EQ(verified->bytes, made->bytes);

  const fs::path restored = root_.path() / "restored";
  auto copy = RestoreBackup(out.string(), restored.string());
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  StoreOptions options;
  options.path = restored.string();
  auto reopened = Store::Open(options);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  for (int i = 0; i < 1000; ++i) {
    auto value = (*reopened)->Get(Cf::kProfiles, "k" + std::to_string(i));
    ASSERT_TRUE(value.ok()) << i;
    EXPECT_EQ(*value, "before") << i;
  }
  EXPECT_EQ((*reopened)->Get(Cf::kProfiles, "late").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadFile(restored / "audit" / "audit.head"), "{\"seq\":1}");
}

TEST_F(BackupTest, DamagedOrIncompleteBackupsAreRefusedAndNothingIsWritten) {
  const fs::path out = root_.path() / "b";
  ASSERT_TRUE(CreateBackup(*store_, data_.string(), out.string(), 0).ok());
  const fs::path restored = root_.path() / "restored";

  // One byte of the master key changed.
  std::string key = ReadFile(out / "master.key");
  key[0] = key[0] == 'x' ? 'y' : 'x';
  WriteFile(out / "master.key", key);
  auto changed = RestoreBackup(out.string(), restored.string());
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.status().code(), StatusCode::kCorruption);
  EXPECT_NE(changed.status().message().find("master.key"), std::string::npos);
  EXPECT_FALSE(fs::exists(restored));
  key[0] = '0';
  WriteFile(out / "master.key", key);
  ASSERT_TRUE(VerifyBackup(out.string()).ok());

  // A file missing.
  fs::rename(out / "CURRENT", root_.path() / "CURRENT.aside");
  auto missing = VerifyBackup(out.string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("CURRENT is missing"), std::string::npos);
  fs::rename(root_.path() / "CURRENT.aside", out / "CURRENT");

  // A manifest that points outside the backup.
  const std::string manifest = ReadFile(out / "backup.json");
  WriteFile(
      out / "backup.json",
      R"({"format":"mercato-backup","version":1,"files":[{"path":"../data/CURRENT","bytes":1,"sha256":"00"}]})");
  auto escaping = VerifyBackup(out.string());
  ASSERT_FALSE(escaping.ok());
  EXPECT_EQ(escaping.status().code(), StatusCode::kInvalidArgument);
  WriteFile(out / "backup.json", manifest);

  // Not a backup at all.
  EXPECT_EQ(VerifyBackup(data_.string()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(RestoreBackup(out.string(), restored.string()).ok());
}

TEST_F(BackupTest, WhereABackupMayGoAndWhereARestoreMay) {
  // Inside the data directory: it would copy itself.
  auto inside = CreateBackup(*store_, data_.string(), (data_ / "backups" / "b").string(), 0);
  EXPECT_EQ(inside.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(data_ / "backups" / "b"));
  const fs::path out = root_.path() / "b";
  ASSERT_TRUE(CreateBackup(*store_, data_.string(), out.string(), 0).ok());
  // Never over an existing backup.
  EXPECT_EQ(CreateBackup(*store_, data_.string(), out.string(), 0).status().code(),
            StatusCode::kFailedPrecondition);
  // Never into a data directory that holds something: that is the live node's.
  auto over = RestoreBackup(out.string(), data_.string());
  EXPECT_EQ(over.status().code(), StatusCode::kFailedPrecondition);
  // An empty directory is fine.
  fs::create_directories(root_.path() / "empty");
  EXPECT_TRUE(RestoreBackup(out.string(), (root_.path() / "empty").string()).ok());
  EXPECT_TRUE(fs::exists(root_.path() / "empty" / "CURRENT"));
}

}  // namespace
}  // namespace mercato

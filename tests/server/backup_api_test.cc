// POST /v1/admin/backups over HTTP: refused without --backup-dir, and a complete, verifiable
// backup with one.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "pipeline/backup.h"
#include "server/test_server.h"

namespace mercato::testing {
namespace {

namespace json = boost::json;

TEST(BackupApiTest, WithoutABackupDirectoryTheRouteRefuses) {
  TestServer server;
  ASSERT_TRUE(server.start_status().ok());
  HttpClient http(server.port());
  auto refused = http.Post("/v1/admin/backups", "", BasicAuth(kAdminKey));
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.body.find("--backup-dir"), std::string::npos) << refused.body;
}

TEST(BackupApiTest, ABackupOfTheRunningServerVerifies) {
  TempDir backups;
  TestServerOptions options;
  options.backup_dir = (backups.path() / "b").string();
  TestServer server(options);
  ASSERT_TRUE(server.start_status().ok());
  HttpClient http(server.port());
  ASSERT_EQ(
      http.Post("/v1/track", R"({"userId":"b1","event":"Signed Up"})", BasicAuth(kWriteKey)).status,
      200);
  ASSERT_TRUE(server.WaitForProfiles());
  for (int round = 0; round < 2; ++round) {
    auto made = http.Post("/v1/admin/backups", "", BasicAuth(kAdminKey));
    ASSERT_EQ(made.status, 201) << made.body;
    const json::value answer = json::parse(made.body);
    const std::string path(answer.at("path").as_string());
    EXPECT_EQ(std::filesystem::path(path).parent_path(), options.backup_dir);
    auto verified = VerifyBackup(path);
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
    EXPECT_EQ(verified->files, answer.at("files").to_number<uint64_t>());
    EXPECT_EQ(verified->bytes, answer.at("bytes").to_number<uint64_t>());
  }
  // Two backups in the same second get distinct names.
  size_t made = 0;
  for (const auto& entry : std::filesystem::directory_iterator(options.backup_dir)) {
    EXPECT_TRUE(entry.path().filename().string().starts_with("backup-")) << entry.path();
    ++made;
  }
  EXPECT_EQ(made, 2u);
}

}  // namespace
}  // namespace mercato::testing

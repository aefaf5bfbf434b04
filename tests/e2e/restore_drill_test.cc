// The restore drill: a running `mercato serve` is backed up through POST /v1/admin/backups while
// it takes events; more events follow; the node is killed. The backup is verified and restored
// into a new data directory with `mercato restore`, the audit log there verifies, and a node
// started on it has exactly the customers, histories, keys and segment of the moment of the
// backup, and goes on taking events. A backup with one byte changed is refused.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/test_support.h"

namespace mercato::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr char kKey[] = "restore-drill-admin-key";
constexpr int kBefore = 60;
constexpr int kAfter = 25;

ClientResponse Call(uint16_t port, const std::string& method, const std::string& target,
                    const std::string& body = {}, const std::string& key = kKey) {
  HttpClient http(port);
  return http.Request(method, target, body, {{"Authorization", BasicAuth(key)}});
}

// Sends two events for each customer in [from, to) and waits until their profiles exist.
void Send(uint16_t port, int from, int to) {
  json::array batch;
  for (int i = from; i < to; ++i) {
    const std::string user = "drill-" + std::to_string(i);
    batch.push_back(json::object{{"type", "identify"},
                                 {"userId", user},
                                 {"messageId", user + "-id"},
                                 {"traits", {{"plan", i % 2 == 0 ? "pro" : "free"}}}});
    batch.push_back(json::object{{"type", "track"},
                                 {"userId", user},
                                 {"messageId", user + "-order"},
                                 {"event", "Order Completed"},
                                 {"properties", {{"revenue", 10 + i}}}});
  }
  auto sent = Call(port, "POST", "/v1/batch", json::serialize(json::object{{"batch", batch}}));
  ASSERT_EQ(sent.status, 200) << sent.body;
  ASSERT_TRUE(WaitFor(
      [&] {
        return Call(port, "GET", "/v1/profiles/drill-" + std::to_string(to - 1)).status == 200;
      },
      30'000));
}

int64_t Customers(uint16_t port) {
  auto stats = Call(port, "GET", "/v1/stats");
  if (stats.status != 200) return -1;
  return json::parse(stats.body).at("customers").to_number<int64_t>();
}

TEST(RestoreDrillTest, ABackupOfARunningNodeRestoresToExactlyItsMoment) {
  TempDir dir;
  const fs::path data = dir.path() / "data";
  const fs::path backups = dir.path() / "backups";
  std::string error;
  std::string backup_path;
  {
    ServerProcess server;
    server.stderr_path = (dir.path() / "server.log").string();
    ASSERT_TRUE(server.Start(
        {"--data-dir", data.string(), "--admin-key", kKey, "--backup-dir", backups.string()},
        error))
        << error;
    const uint16_t port = server.port();
    ASSERT_EQ(Call(port, "POST", "/v1/segments",
                   R"({"id":"pro","name":"Pro plan","rule":"traits.plan = \"pro\""})")
                  .status,
              201);
    auto key = Call(port, "POST", "/v1/keys", R"({"name":"reader","scopes":["read"]})");
    ASSERT_EQ(key.status, 201) << key.body;
    const std::string reader(json::parse(key.body).at("secret").as_string());
    std::ofstream(dir.path() / "reader-key") << reader;
    Send(port, 0, kBefore);
    ASSERT_TRUE(WaitFor([&] { return Customers(port) == kBefore; }, 30'000));

    auto made = Call(port, "POST", "/v1/admin/backups");
    ASSERT_EQ(made.status, 201) << made.body;
    const json::value answer = json::parse(made.body);
    backup_path = std::string(answer.at("path").as_string());
    EXPECT_TRUE(std::string(answer.at("name").as_string()).starts_with("backup-"));
    EXPECT_GT(answer.at("files").to_number<int64_t>(), 3);

    // Life goes on after the backup, then the node dies without a clean stop.
    Send(port, kBefore, kBefore + kAfter);
    ASSERT_TRUE(WaitFor([&] { return Customers(port) == kBefore + kAfter; }, 30'000));
    server.Kill();
  }

  const std::string binary = MercatoBinary();
  ASSERT_TRUE(RunCommand(binary + " restore --verify-only --from " + backup_path + " 2>&1"));
  const fs::path restored = dir.path() / "restored";
  auto restore = RunCommand(binary + " restore --from " + backup_path + " --data-dir " +
                            restored.string() + " 2>&1");
  ASSERT_TRUE(restore.has_value());
  EXPECT_NE(restore->find("restored"), std::string::npos) << *restore;
  // The audit log came along, unbroken (it holds the key creation and the backup itself).
  auto audit = RunCommand(binary + " audit verify --data-dir " + restored.string() + " 2>&1");
  ASSERT_TRUE(audit.has_value());
  EXPECT_NE(audit->find("entries verified"), std::string::npos) << *audit;
  // A second restore into the now non-empty directory is refused.
  EXPECT_FALSE(RunCommand(binary + " restore --from " + backup_path + " --data-dir " +
                          restored.string() + " 2>&1"));

  ServerProcess node;
  node.stderr_path = (dir.path() / "restored.log").string();
  ASSERT_TRUE(node.Start({"--data-dir", restored.string(), "--admin-key", kKey}, error)) << error;
  const uint16_t port = node.port();
  EXPECT_EQ(Customers(port), kBefore);
  auto first = Call(port, "GET", "/v1/profiles/drill-0");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(json::parse(first.body).at("traits").at("plan").as_string(), "pro");
  EXPECT_EQ(Call(port, "GET", "/v1/profiles/drill-" + std::to_string(kBefore)).status, 404);
  auto history = Call(port, "GET", "/v1/profiles/drill-7/events?limit=10");
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(json::parse(history.body).at("events").as_array().size(), 2u);
  // The key created before the backup still reads; the segment kept its members.
  std::ifstream reader_file(dir.path() / "reader-key");
  std::string reader;
  reader_file >> reader;
  EXPECT_EQ(Call(port, "GET", "/v1/stats", {}, reader).status, 200);
  EXPECT_TRUE(WaitFor(
      [&] {
        auto members = Call(port, "GET", "/v1/segments/pro");
        return members.status == 200 &&
               json::parse(members.body).at("size").to_number<int64_t>() == kBefore / 2;
      },
      30'000));
  // The restored node takes events: the ones sent after the backup can simply be sent again.
  Send(port, kBefore, kBefore + kAfter);
  EXPECT_TRUE(WaitFor([&] { return Customers(port) == kBefore + kAfter; }, 30'000));
  EXPECT_EQ(node.Terminate(), 0);

  // One byte changed anywhere in the backup: verification fails and names the file.
  fs::path victim;
  for (const auto& entry : fs::directory_iterator(backup_path)) {
    if (entry.path().extension() == ".sst") victim = entry.path();
  }
  ASSERT_FALSE(victim.empty());
  {
    std::fstream file(victim, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(10);
    char byte = 0;
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x20);
    file.seekp(10);
    file.write(&byte, 1);
  }
  auto damaged = RunCommand(binary + " restore --verify-only --from " + backup_path + " 2>&1");
  EXPECT_FALSE(damaged.has_value());
  EXPECT_FALSE(RunCommand(binary + " restore --from " + backup_path + " --data-dir " +
                          (dir.path() / "again").string() + " 2>&1"));
  EXPECT_FALSE(fs::exists(dir.path() / "again"));
}

}  // namespace
}  // namespace mercato::testing

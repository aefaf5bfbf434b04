// Crash test: a client sends numbered events while the real server is killed with SIGKILL several
// times and restarted. Every event that got a 2xx must be present afterwards, none twice — both in
// the log and in the customer histories the profile consumer builds from it.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/test_support.h"

namespace mercato::testing {
namespace {

constexpr char kKey[] = "crash-admin-key";
constexpr int kClients = 4;
constexpr int kKills = 8;

std::vector<std::string> ServeArgs(const std::string& data_dir) {
  return {"--data-dir", data_dir, "--admin-key", kKey, "--threads", "2"};
}

// Sends events "<client>-<n>" for n = 0, 1, ... until `stop`; records each acknowledged n. An
// unanswered request (the server died) is retried with the same messageId after reconnecting, as
// Segment's libraries do, so retries must not create duplicates either.
void Client(int client, std::atomic<uint16_t>& port, std::atomic<bool>& stop,
            std::set<int>& acknowledged, std::atomic<size_t>& total) {
  int n = 0;
  std::unique_ptr<HttpClient> http;
  uint16_t connected_port = 0;
  while (!stop.load()) {
    uint16_t current = port.load();
    if (current == 0) {
      std::this_thread::yield();
      continue;
    }
    if (!http || connected_port != current) {
      http = std::make_unique<HttpClient>(current);
      connected_port = current;
    }
    std::string user = "crash-user-" + std::to_string(client);
    std::string body = "{\"userId\":\"" + user + "\",\"event\":\"Numbered\",\"messageId\":\"" +
                       std::to_string(client) + "-" + std::to_string(n) +
                       "\",\"properties\":{\"n\":" + std::to_string(n) + "}}";
    auto response = http->Post("/v1/track", body, BasicAuth(kKey));
    if (response.status == 200) {
      acknowledged.insert(n);
      total.fetch_add(1);
      ++n;
    } else if (response.status == 0) {
      http.reset();  // reconnect; resend the same n
    } else {
      ADD_FAILURE() << "unexpected status " << response.status << ": " << response.body;
      return;
    }
  }
}

TEST(CrashTest, AcknowledgedEventsSurviveSigkillExactlyOnce) {
  TempDir dir;
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start(ServeArgs(dir.str()), error)) << error;
  std::atomic<uint16_t> port{server.port()};
  std::atomic<bool> stop{false};
  std::vector<std::set<int>> acknowledged(kClients);
  std::atomic<size_t> total{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back(Client, c, std::ref(port), std::ref(stop), std::ref(acknowledged[c]),
                         std::ref(total));
  }
  std::mt19937 rng(20261123);  // seeded: the same kill points on every run
  auto total_acknowledged = [&] { return total.load(); };
  size_t before = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    size_t target = before + 150 + rng() % 250;
    ASSERT_TRUE(WaitFor([&] { return total_acknowledged() >= target; }, 60'000))
        << "clients stalled at " << total_acknowledged();
    port.store(0);
    server.Kill();
    ASSERT_TRUE(server.Start(ServeArgs(dir.str()), error)) << error;
    port.store(server.port());
    before = total_acknowledged();
  }
  ASSERT_TRUE(WaitFor([&] { return total_acknowledged() >= before + 100; }, 60'000));
  stop.store(true);
  for (auto& thread : clients) thread.join();

  // Restart once more so that the profile consumer catches up from its persisted cursor.
  server.Kill();
  ASSERT_TRUE(server.Start(ServeArgs(dir.str()), error)) << error;
  HttpClient http(server.port());
  ASSERT_TRUE(WaitFor(
      [&] {
        auto metrics = http.Get("/metrics");
        return metrics.body.find("mercato_consumer_lag{consumer=\"profiles\"} 0\n") !=
               std::string::npos;
      },
      60'000));

  size_t found_total = 0;
  for (int c = 0; c < kClients; ++c) {
    std::map<int64_t, int> seen;  // n -> count in the customer's history
    std::string cursor;
    do {
      std::string target = "/v1/profiles/crash-user-" + std::to_string(c) + "/events?limit=1000";
      if (!cursor.empty()) target += "&cursor=" + cursor;
      auto page = http.Get(target, BasicAuth(kKey));
      ASSERT_EQ(page.status, 200) << page.body;
      auto parsed = boost::json::parse(page.body).as_object();
      for (const auto& event : parsed.at("events").as_array()) {
        ++seen[event.at("properties").at("n").as_int64()];
      }
      cursor =
          parsed.at("nextCursor").is_null() ? "" : std::string(parsed.at("nextCursor").as_string());
    } while (!cursor.empty());
    for (int n : acknowledged[c]) {
      EXPECT_EQ(seen.count(n), 1u)
          << "client " << c << " event " << n << " was acknowledged but lost";
    }
    for (const auto& [n, count] : seen) {
      EXPECT_EQ(count, 1) << "client " << c << " event " << n << " stored " << count << " times";
    }
    // Nothing beyond what was sent: at most the one in-flight event per client is unacknowledged.
    EXPECT_LE(seen.size(), acknowledged[c].size() + 1);
    found_total += seen.size();
  }
  std::printf("crash test: %zu events acknowledged across %d SIGKILLs, %zu in the histories\n",
              total_acknowledged(), kKills, found_total);
  EXPECT_GE(total_acknowledged(), static_cast<size_t>(kKills * 150));
  server.Terminate();
}

}  // namespace
}  // namespace mercato::testing

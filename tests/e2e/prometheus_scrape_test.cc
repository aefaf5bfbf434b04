// Metrics as Prometheus sees them: a real `mercato serve` takes events, `promtool check metrics`
// lints its /metrics, and a real Prometheus server (Debian's prometheus package) scrapes it with
// the shipped alert rules (deploy/prometheus/alerts.yml) loaded: the target is up, the ingested
// count arrives, and every rule evaluates without error. Every metric the rules and the Grafana
// dashboard (deploy/grafana/mercato-dashboard.json) name is one the node exports.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "support/http_client.h"
#include "support/server_process.h"
#include "support/test_support.h"

extern char** environ;

namespace mercato::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr char kKey[] = "prometheus-test-admin-key";
constexpr int kCustomers = 40;

bool OnPath(const std::string& program) {
  return RunCommand("command -v " + program + " >/dev/null 2>&1 && echo yes").has_value();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A loopback port nobody listens on right now (Prometheus cannot report a port 0 choice).
uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof(address);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// The metric families an expression file names: mercato_* identifiers, histogram series
// (_bucket, _sum, _count) folded to their family.
std::set<std::string> NamedMetrics(const std::string& text) {
  std::set<std::string> names;
  const std::regex identifier("mercato_[a-z0-9_]+");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), identifier);
       it != std::sregex_iterator(); ++it) {
    std::string name = it->str();
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (name.ends_with(suffix)) name.resize(name.size() - std::string(suffix).size());
    }
    names.insert(name);
  }
  return names;
}

class Prometheus {
 public:
  ~Prometheus() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool Start(const fs::path& config, const fs::path& data, uint16_t port, const fs::path& log) {
    const std::string config_flag = "--config.file=" + config.string();
    const std::string data_flag = "--storage.tsdb.path=" + data.string();
    const std::string listen_flag = "--web.listen-address=127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {"prometheus", config_flag, data_flag, listen_flag,
                                     "--log.level=warn"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int rc = posix_spawnp(&pid_, "prometheus", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0;
  }
  int Terminate() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
};

TEST(PrometheusScrapeTest, ARealPrometheusScrapesANodeAndEveryShippedRuleEvaluates) {
  for (const char* program : {"prometheus", "promtool"}) {
    if (!OnPath(program)) {
      const std::string why = std::string(program) + " is not installed (scripts/install-deps.sh)";
      if (std::getenv("CI") != nullptr && std::string(std::getenv("CI")) == "true") FAIL() << why;
      GTEST_SKIP() << why;
    }
  }
  const fs::path deploy = SourceDir() / "deploy";
  const fs::path rules = deploy / "prometheus" / "alerts.yml";
  ASSERT_TRUE(RunCommand("promtool check rules " + rules.string() + " 2>&1"));
  ASSERT_TRUE(RunCommand("promtool check config " +
                         (deploy / "prometheus" / "prometheus.yml").string() + " 2>&1"));

  TempDir dir;
  std::string error;
  ServerProcess server;
  server.stderr_path = (dir.path() / "server.log").string();
  ASSERT_TRUE(
      server.Start({"--data-dir", (dir.path() / "data").string(), "--admin-key", kKey}, error))
      << error;
  const uint16_t port = server.port();
  HttpClient http(port);
  json::array batch;
  for (int i = 0; i < kCustomers; ++i) {
    batch.push_back(json::object{{"type", "track"},
                                 {"userId", "p" + std::to_string(i)},
                                 {"event", "Order Completed"},
                                 {"properties", {{"revenue", 10}}}});
  }
  ASSERT_EQ(http.Post("/v1/batch", json::serialize(json::object{{"batch", batch}}), BasicAuth(kKey))
                .status,
            200);

  // The exposition passes promtool's lint, and holds every metric the rules and dashboard use.
  const std::string metrics = http.Get("/metrics").body;
  std::ofstream(dir.path() / "metrics.txt") << metrics;
  auto lint =
      RunCommand("promtool check metrics < " + (dir.path() / "metrics.txt").string() + " 2>&1");
  ASSERT_TRUE(lint.has_value()) << "promtool check metrics failed";
  EXPECT_EQ(lint->find("problem"), std::string::npos) << *lint;
  const std::string dashboard_text = ReadFile(deploy / "grafana" / "mercato-dashboard.json");
  const json::value dashboard = json::parse(dashboard_text);
  EXPECT_FALSE(dashboard.at("panels").as_array().empty());
  std::set<std::string> named = NamedMetrics(ReadFile(rules));
  for (const std::string& name : NamedMetrics(dashboard_text)) named.insert(name);
  EXPECT_GT(named.size(), 10u);
  for (const std::string& name : named) {
    EXPECT_NE(metrics.find("# TYPE " + name + " "), std::string::npos)
        << name << " is named by deploy/ but not exported";
  }

  // A real Prometheus scraping the node every second, evaluating the shipped rules every second.
  const uint16_t prometheus_port = FreePort();
  ASSERT_NE(prometheus_port, 0);
  const fs::path config = dir.path() / "prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                        << "rule_files:\n  - " << rules.string() << "\n"
                        << "scrape_configs:\n  - job_name: mercato\n    static_configs:\n"
                        << "      - targets: ['127.0.0.1:" << port << "']\n";
  Prometheus prometheus;
  ASSERT_TRUE(prometheus.Start(config, dir.path() / "tsdb", prometheus_port,
                               dir.path() / "prometheus.log"));
  HttpClient api(prometheus_port);
  auto query = [&](const std::string& target) -> std::optional<json::value> {
    auto response = api.Get(target);
    if (response.status != 200) return std::nullopt;
    return json::parse(response.body);
  };
  double ingested = -1;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto answer = query("/api/v1/query?query=sum(mercato_events_ingested_total)");
        if (!answer) return false;
        const json::array& result = answer->at("data").at("result").as_array();
        if (result.empty()) return false;
        ingested = std::stod(std::string(result[0].at("value").as_array()[1].as_string()));
        return ingested >= kCustomers;
      },
      60'000))
      << ReadFile(dir.path() / "prometheus.log");
  EXPECT_EQ(ingested, kCustomers);
  auto up = query("/api/v1/query?query=up%7Bjob%3D%22mercato%22%7D");
  ASSERT_TRUE(up.has_value());
  ASSERT_EQ(up->at("data").at("result").as_array().size(), 1u);
  EXPECT_EQ(up->at("data").at("result").as_array()[0].at("value").as_array()[1].as_string(), "1");

  // Every rule of every group has been evaluated, without error.
  size_t rule_count = 0;
  std::string unhealthy;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto answer = query("/api/v1/rules");
        if (!answer) return false;
        rule_count = 0;
        unhealthy.clear();
        bool all_evaluated = true;
        for (const json::value& group : answer->at("data").at("groups").as_array()) {
          for (const json::value& rule : group.at("rules").as_array()) {
            ++rule_count;
            const std::string health(rule.at("health").as_string());
            if (health == "err") unhealthy += json::serialize(rule) + "\n";
            if (health != "ok") all_evaluated = false;
          }
        }
        return !unhealthy.empty() || (rule_count > 0 && all_evaluated);
      },
      60'000));
  EXPECT_EQ(unhealthy, "");
  EXPECT_EQ(rule_count, 10u);
  EXPECT_EQ(prometheus.Terminate(), 0);
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace
}  // namespace mercato::testing

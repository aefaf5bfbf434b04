// kafka_mock: hosts librdkafka's mock Kafka cluster (the real Kafka protocol, in one process) on
// loopback for tests and benchmarks that run several mercato processes or other Kafka clients.
//
//   kafka_mock [--brokers N] [--topic NAME:PARTITIONS]...
//
// Prints "bootstrap <host:port,...>" on one line once the brokers listen, then runs until its
// standard input closes or it receives SIGTERM/SIGINT. Commands on standard input, one per line:
//   down <broker id>   up <broker id>   (take a broker off and on the network)

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;

void OnSignal(int) { g_stop = 1; }

int Usage(const std::string& why) {
  std::cerr << "kafka_mock: " << why
            << "\nusage: kafka_mock [--brokers N] [--topic NAME:PARTITIONS]...\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 3;
  std::vector<std::pair<std::string, int>> topics;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--brokers" && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
      if (brokers < 1 || brokers > 16) return Usage("--brokers must be 1 to 16");
    } else if (arg == "--topic" && i + 1 < argc) {
      const std::string spec = argv[++i];
      const size_t colon = spec.rfind(':');
      if (colon == std::string::npos || colon == 0) return Usage("--topic takes NAME:PARTITIONS");
      const int partitions = std::atoi(spec.c_str() + colon + 1);
      if (partitions < 1 || partitions > 1000) return Usage("partitions must be 1 to 1000");
      topics.emplace_back(spec.substr(0, colon), partitions);
    } else {
      return Usage("unknown argument " + arg);
    }
  }
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof error);
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (handle == nullptr) return Usage(std::string("cannot create a client: ") + error);
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, brokers);
  if (cluster == nullptr) return Usage("cannot start the mock cluster");
  for (const auto& [name, partitions] : topics) {
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(cluster, name.c_str(), partitions, std::min(brokers, 3));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return Usage("cannot create topic " + name);
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::cout << "bootstrap " << rd_kafka_mock_cluster_bootstraps(cluster) << std::endl;

  std::string pending;
  while (g_stop == 0) {
    pollfd fd{STDIN_FILENO, POLLIN, 0};
    if (poll(&fd, 1, 200) <= 0) continue;
    char buffer[256];
    const ssize_t got = read(STDIN_FILENO, buffer, sizeof buffer);
    if (got <= 0) break;  // standard input closed: the test is done with us
    pending.append(buffer, static_cast<size_t>(got));
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      std::istringstream line(pending.substr(0, newline));
      pending.erase(0, newline + 1);
      std::string command;
      int broker = 0;
      line >> command >> broker;
      rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__INVALID_ARG;
      if (command == "down") err = rd_kafka_mock_broker_set_down(cluster, broker);
      if (command == "up") err = rd_kafka_mock_broker_set_up(cluster, broker);
      std::cout << (err == RD_KAFKA_RESP_ERR_NO_ERROR ? "ok" : "error") << std::endl;
    }
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  return 0;
}

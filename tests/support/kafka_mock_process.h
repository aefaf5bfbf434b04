#pragma once
// Runs tests/tools/kafka_mock (librdkafka's mock Kafka cluster on loopback) as a child process, for
// tests with several mercato processes or other Kafka clients. The binary's path comes from
// MERCATO_KAFKA_MOCK (set by CTest).

#include <sys/types.h>

#include <string>
#include <vector>

namespace mercato::testing {

class KafkaMockProcess {
 public:
  KafkaMockProcess() = default;
  ~KafkaMockProcess();  // closes its stdin (it exits), then SIGKILLs and reaps it
  KafkaMockProcess(const KafkaMockProcess&) = delete;
  KafkaMockProcess& operator=(const KafkaMockProcess&) = delete;

  // `topics`: "name:partitions". Waits up to 20 s for the bootstrap line.
  bool Start(int brokers, const std::vector<std::string>& topics, std::string& error);
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::string bootstrap_;
};

}  // namespace mercato::testing

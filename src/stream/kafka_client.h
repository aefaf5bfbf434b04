#pragma once
// What every Kafka client of a node shares: the connection options, the creation of librdkafka
// handles from them, and the topic's partition count (which fixes the mirror's partitions).
//
// librdkafka's headers stay inside src/stream/*.cc: callers see only this module's types.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

struct rd_kafka_s;  // rd_kafka_t

namespace mercato::stream {

struct KafkaOptions {
  std::string brokers;  // bootstrap servers, "host:port,host:port"
  std::string topic = "mercato.events";
  std::string group = "mercato";  // the consumer group every node of one cluster joins
  std::string client_id = "mercato";
  // Further librdkafka properties (security.protocol, sasl.*, ...), applied last.
  std::vector<std::pair<std::string, std::string>> properties;
};

// Parses "name=value" (the --kafka-property flag).
Result<std::pair<std::string, std::string>> ParseKafkaProperty(std::string_view text);

struct KafkaHandleDeleter {
  void operator()(rd_kafka_s* handle) const;
};
using KafkaHandle = std::unique_ptr<rd_kafka_s, KafkaHandleDeleter>;

// The topic's partition count. When the topic does not exist and `create_partitions` > 0 it is
// created with that many partitions (replication as the brokers' default); otherwise NotFound.
Result<uint32_t> EnsureTopic(const KafkaOptions& options, uint32_t create_partitions,
                             std::chrono::milliseconds timeout);

// Record headers of events mercato itself produced (docs/formats/kafka.md). A record without
// kFormatHeader came from another producer and holds one Segment event as JSON.
inline constexpr const char* kFormatHeader = "mercato-format";
inline constexpr const char* kFormatVersion = "1";
inline constexpr const char* kMessageIdHeader = "mercato-message-id";
inline constexpr const char* kReceivedAtHeader = "mercato-received-at";

}  // namespace mercato::stream

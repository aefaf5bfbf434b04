#pragma once
// DefinitionLog: definitions every node of a cluster must share (segments, templates, journeys, API
// keys, catalog items), kept in a
// one-partition topic (`<events topic>.definitions`, create it compacted). A change made through
// any node's API is published under a key ("segment/vip") with the definition as its value, or an
// empty value (a tombstone) for a deletion. Every node, the publisher included, reads the whole
// topic from its beginning and hands each record, in topic order, to its apply function; so all
// nodes converge on the latest record of every key, and a node that joins later learns every
// definition there is.
//
// Thread safety: Publish from any thread; the apply function runs on the reader thread.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "stream/kafka_client.h"

namespace mercato::stream {

class DefinitionLog {
 public:
  // `value` is empty for a deletion.
  using ApplyFn = std::function<void(std::string_view key, std::string_view value)>;

  // Starts reading at once; `node_id` names this reader (a consumer group it never joins).
  static Result<std::unique_ptr<DefinitionLog>> Create(const KafkaOptions& options,
                                                       const std::string& node_id, ApplyFn apply);
  ~DefinitionLog();

  // Publishes `value` under `key` (empty: a deletion) and waits until Kafka has it, at most
  // `timeout`. Unavailable when Kafka does not acknowledge it in time.
  Status Publish(std::string_view key, std::string_view value,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Publishes every (key, value) in order and waits until Kafka has them all, at most `timeout`
  // in total. Unavailable when any is not acknowledged in time; those acknowledged stay published
  // (Kafka has no undo), so callers publish what may be applied again safely.
  Status PublishAll(const std::vector<std::pair<std::string, std::string>>& records,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

  static std::string TopicFor(const std::string& events_topic) {
    return events_topic + ".definitions";
  }

 private:
  explicit DefinitionLog(KafkaOptions options, ApplyFn apply)
      : options_(std::move(options)), apply_(std::move(apply)) {}
  void ReadLoop();

  const KafkaOptions options_;
  const ApplyFn apply_;
  KafkaHandle producer_;
  KafkaHandle consumer_;
  std::atomic<bool> stopping_{false};
  std::thread reader_;
};

}  // namespace mercato::stream

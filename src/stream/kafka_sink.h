#pragma once
// KafkaSink: the event log's upstream in cluster mode. Every append a node makes (ingestion,
// segment and journey events, tracking, feedback) is produced to the events topic, keyed by its
// routing key, into the partition Kafka's default partitioner picks (so the mirror and any other
// Kafka client agree), with mercato's headers (kafka_client.h). The producer is idempotent with
// acks=all: a request is answered Ok only when every record is on all in-sync replicas.
//
// A request whose records fail part-way has some records stored: the client's retry is harmless,
// because the mirror drops repeated messageIds (storage/event_log.h).
//
// Thread safety: Produce from any thread; callbacks run on the sink's delivery thread.

#include <atomic>
#include <memory>
#include <thread>

#include "core/metrics.h"
#include "storage/event_log.h"
#include "stream/kafka_client.h"

namespace mercato::stream {

struct KafkaSinkOptions {
  KafkaOptions kafka;
  uint32_t partitions = 0;  // the topic's partition count (EnsureTopic)
  std::chrono::milliseconds delivery_timeout{30'000};
  size_t max_queued_records = 200'000;  // beyond it Produce answers ResourceExhausted
};

class KafkaSink final : public LogUpstream {
 public:
  static Result<std::unique_ptr<KafkaSink>> Create(const KafkaSinkOptions& options,
                                                   MetricsRegistry* metrics);
  // Waits up to the delivery timeout for records in flight, then fails what is left.
  ~KafkaSink() override;

  void Produce(std::vector<AppendItem> items, AppendCallback callback) override;
  // Waits up to `timeout` for the records in flight (their callbacks run meanwhile).
  void Flush(std::chrono::milliseconds timeout);

 private:
  explicit KafkaSink(const KafkaSinkOptions& options) : options_(options) {}
  void PollLoop();

  const KafkaSinkOptions options_;
  KafkaHandle handle_;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
  Counter* produced_ = nullptr;
  Counter* failed_ = nullptr;
};

}  // namespace mercato::stream

#pragma once
// KafkaSource: a node's member of the cluster's consumer group. It mirrors the partitions Kafka
// assigns it into the local event log at their Kafka offsets (storage/event_log.h), where the same
// consumers as on a single node (profiles, segments, journeys) process them.
//
// Position: the mirror's end offset of a partition is where consumption resumes when the node
// gains it, so a redelivered record is skipped and a partition the node owned before continues
// where it stopped. Consumed offsets are committed to the group after the local append is durable;
// the committed offsets serve monitoring (consumer lag in Kafka's own tools), not recovery.
//
// Records mercato produced carry its headers and are mirrored as they are. Any other record is one
// Segment event as JSON, handed to `external` (validation and privacy policy, like the HTTP API);
// a record it rejects is counted and skipped, never retried forever. So is a record in another
// partition than its customer's (a producer that keyed it by something else): mirroring it would
// split that customer's history between two owners.
//
// Assignment is cooperative (incremental): a rebalance moves only the partitions that change owner,
// and the others keep being mirrored. Readiness: false from the first join, and whenever the node
// gains a partition, until every assigned partition has been mirrored to its end once; losing a
// partition does not make a node unready.
//
// Thread safety: Start/Stop from one thread; the accessors from any thread.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "storage/event_log.h"
#include "stream/kafka_client.h"

namespace mercato::stream {

// A record another producer wrote: key, value, Kafka's timestamp (ms since the epoch, or -1) and
// its place (stable across nodes: a messageId derived from it is the same wherever it is mirrored).
using ExternalRecordFn = std::function<Result<AppendItem>(
    std::string_view key, std::string_view value, int64_t ts_ms, LogPosition position)>;

struct KafkaSourceOptions {
  KafkaOptions kafka;
  size_t max_batch = 2'000;   // records per local append
  ExternalRecordFn external;  // empty: records without mercato's headers are rejected
  // Called on the source's thread after every change of the assignment, with the partitions now
  // assigned (MemberDirectory::Publish). May be empty.
  std::function<void(const std::vector<uint32_t>& assigned)> on_assignment;
};

// What GET /v1/admin/cluster shows.
struct SourceStatus {
  std::string topic;
  std::string group;
  uint32_t partitions = 0;
  bool ready = false;
  std::vector<uint32_t> assigned;
  std::vector<int64_t> lag;        // by assigned partition
  std::vector<uint64_t> mirrored;  // the mirror's end offset, by assigned partition
  uint64_t rejected = 0;
};

class KafkaSource {
 public:
  // `log` must be a mirror (LogPartitioner::kKafka) with the topic's partition count.
  static Result<std::unique_ptr<KafkaSource>> Create(EventLog& log, KafkaSourceOptions options,
                                                     MetricsRegistry* metrics);
  ~KafkaSource();  // Stop()

  // `on_assignment` replaces the option of that name; call before Start.
  void Start(std::function<void(const std::vector<uint32_t>&)> on_assignment = {});
  // Leaves the group (its partitions move to the other members at once) and joins the thread.
  void Stop();

  std::vector<uint32_t> Assigned() const;
  bool Owns(uint32_t partition) const;
  // True when the node is ready and, for every assigned partition, `cursors` (a consumer's
  // positions by partition) have reached the offset the partition ended at when this node first
  // caught up with it after the assignment: the consumer has replayed everything earlier owners
  // did with those partitions (pipeline/delivery.h, may_deliver).
  bool ReplayedThrough(const std::vector<uint64_t>& cursors) const;
  bool Ready() const { return ready_.load(std::memory_order_acquire); }
  uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }
  // Records in the partition's Kafka log not yet mirrored here (0 when not assigned).
  int64_t Lag(uint32_t partition) const;
  SourceStatus GetStatus() const;

 private:
  KafkaSource(EventLog& log, KafkaSourceOptions options)
      : log_(log), options_(std::move(options)) {}
  void Loop();
  void OnRebalance(int err, void* partitions);     // rd_kafka_topic_partition_list_t*
  Result<AppendItem> ToItem(const void* message);  // const rd_kafka_message_t*
  void AppendWithRetry(const std::vector<AppendItem>& items);

  EventLog& log_;
  const KafkaSourceOptions options_;
  std::function<void(const std::vector<uint32_t>&)> on_assignment_;
  KafkaHandle handle_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ready_{false};
  std::atomic<uint64_t> rejected_{0};
  Counter* mirrored_ = nullptr;
  Counter* rejected_counter_ = nullptr;
  Counter* rebalances_ = nullptr;

  mutable std::mutex mu_;
  std::vector<bool> assigned_;     // guarded by mu_; by partition
  std::vector<bool> reached_end_;  // guarded by mu_; since the last assignment
  std::vector<uint64_t> barrier_;  // guarded by mu_; the end offset when reached_end_ was set
};

}  // namespace mercato::stream

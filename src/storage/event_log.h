#pragma once
// EventLog: the durable, partitioned local log that ingestion appends to and every consumer reads.
//
// Appends go through one writer thread that practises group commit: every request queued while the
// previous write was syncing is written in one WriteBatch with one fsync, and each request's
// callback runs after that sync (SyncMode::kBatch). kAlways gives each request its own synced
// write; kNone never syncs (benchmarks only: an acknowledged event can be lost on power failure).
//
// Deduplication: a messageId seen within the dedupe window is acknowledged but not appended again;
// the check and the append happen on the writer thread, so concurrent duplicates are caught too.
//
// Keys: log = partition(u32 BE) | offset(u64 BE); dedupe = messageId -> received_at | partition |
// offset (docs/formats/keys.md). Offsets in a partition are dense from 0.
//
// Cluster mode (docs/adr/0016-kafka-cluster-mode.md): the log is a mirror of a Kafka topic. Appends
// without a position go to the upstream (the Kafka producer) and come back through the consumer as
// positioned appends, which place each record at its Kafka partition and offset. A positioned
// record below the partition's end is a redelivery and is skipped; one above it leaves a gap.
//
// Thread safety: AppendAsync/Append/Read/EndOffset are safe from any thread. Callbacks run on the
// writer thread (or the upstream's delivery thread) and must not block.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/status.h"
#include "storage/store.h"

namespace mercato {

enum class SyncMode { kAlways, kBatch, kNone };
inline constexpr uint32_t kDefaultPartitions = 8;
Result<SyncMode> ParseSyncMode(std::string_view text);

// The key of a record in the log column family (erasure deletes records by key). Records may be
// deleted (erasure, retention); readers skip the gaps and offsets are never reused.
std::string LogRecordKey(uint32_t partition, uint64_t offset);

// How routing keys map to partitions. Fixed at creation, like the partition count.
enum class LogPartitioner : uint8_t {
  kHash64,  // Hash64(key) % partitions: the local log
  kKafka,   // KafkaPartition(key, partitions): a mirror of a Kafka topic, so that any Kafka
            // client producing with the customer as key picks the partition mercato expects
};

struct LogPosition {
  uint32_t partition = 0;
  uint64_t offset = 0;
};

struct AppendItem {
  std::string routing_key;  // chooses the partition (see LogPartitioner)
  std::string message_id;   // dedupe key; empty disables dedupe for this item
  int64_t received_at_us = 0;
  std::string payload;
  // Set by the mirror of a Kafka topic only: the record's place, which the routing key does not
  // choose. A request's items are either all positioned or none.
  std::optional<LogPosition> position;
};

struct AppendResult {
  size_t appended = 0;
  size_t duplicates = 0;
};

struct LogRecord {
  uint32_t partition = 0;
  uint64_t offset = 0;
  std::string payload;
};

struct EventLogOptions {
  // Fixed at creation; a different value on reopen is an error. 0 means "as stored, or
  // kDefaultPartitions for a new log".
  uint32_t partitions = 0;
  LogPartitioner partitioner = LogPartitioner::kHash64;  // fixed at creation too
  SyncMode sync = SyncMode::kBatch;
  int64_t dedupe_window_us = 24 * 3600 * kMicrosPerSecond;
  // Beyond either bound AppendAsync answers ResourceExhausted (a request is always admitted into
  // an empty queue, so one request larger than the byte bound still goes through).
  size_t max_queued_items = 200'000;
  size_t max_queued_bytes = 256 << 20;
};

using AppendCallback = std::function<void(Status, AppendResult)>;

// Where unpositioned appends go in cluster mode (stream::KafkaSink). Produce answers `callback`
// once: Ok after every item is durable upstream (its duplicates are found later, by the mirror, so
// `duplicates` is 0), or the first error. Must not block for long: it runs on request threads.
class LogUpstream {
 public:
  virtual ~LogUpstream() = default;
  virtual void Produce(std::vector<AppendItem> items, AppendCallback callback) = 0;
};

class EventLog {
 public:
  using Callback = AppendCallback;

  // Recovers partition end offsets from the store. `metrics` may be null.
  static Result<std::unique_ptr<EventLog>> Open(Store& store, const EventLogOptions& options,
                                                const Clock& clock, MetricsRegistry* metrics);
  ~EventLog();  // stops the writer; queued requests are answered Unavailable

  void Start();
  void Stop();

  // Queues items for one atomic, durable append. `callback` runs once: Ok with counts after the
  // write is synced (per the sync mode), or the error (nothing of the request was stored).
  void AppendAsync(std::vector<AppendItem> items, Callback callback);
  // Blocking form of AppendAsync (importers, tests).
  Result<AppendResult> Append(std::vector<AppendItem> items);

  // Up to `max_records` records of `partition` starting at `from_offset`.
  Result<std::vector<LogRecord>> Read(uint32_t partition, uint64_t from_offset,
                                      size_t max_records) const;
  uint64_t EndOffset(uint32_t partition) const;
  uint64_t TotalRecords() const;
  uint32_t partitions() const { return options_.partitions; }
  uint32_t PartitionFor(std::string_view routing_key) const;
  LogPartitioner partitioner() const { return options_.partitioner; }

  // Cluster mode: from now on unpositioned appends go to `upstream` (not owned; outlives the log).
  // Call before Start.
  void SetUpstream(LogUpstream* upstream) { upstream_ = upstream; }

  // Called on the writer thread after each successful append (consumers use it to wake up).
  void SetAppendListener(std::function<void()> listener);

 private:
  struct Request {
    std::vector<AppendItem> items;
    Callback callback;
    size_t bytes = 0;  // payload bytes, for the queue bound
  };
  EventLog(Store& store, const EventLogOptions& options, const Clock& clock);
  void WriterLoop();
  void WriteGroup(std::vector<Request>& group);

  // const after construction
  Store& store_;
  const EventLogOptions options_;
  const Clock& clock_;
  LogUpstream* upstream_ = nullptr;
  Counter* appended_counter_ = nullptr;
  Counter* duplicate_counter_ = nullptr;
  Histogram* group_size_ = nullptr;
  Histogram* sync_latency_ = nullptr;

  // guarded by mu_
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request> queue_;
  size_t queued_items_ = 0;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  std::function<void()> listener_;

  // A mirror's (null otherwise): the newest receivedAt per partition, by which the store expires
  // the mirror's dedupe entries (Store::UseDedupeHorizons). Advanced by the writer thread.
  std::shared_ptr<DedupeHorizons> horizons_;
  // owned by the writer thread; published to readers through end_offsets_
  std::vector<uint64_t> next_offsets_;
  std::unique_ptr<std::atomic<uint64_t>[]> end_offsets_;
  std::thread writer_;
};

}  // namespace mercato

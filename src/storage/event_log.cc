#include "storage/event_log.h"

#include <chrono>
#include <unordered_set>

#include "core/big_endian.h"
#include "core/hash.h"
#include "core/logging.h"

namespace mercato {
namespace {

constexpr std::string_view kPartitionsKey = "log/partitions";
// Absent in logs created before cluster mode existed: those are kHash64.
constexpr std::string_view kPartitionerKey = "log/partitioner";

std::string_view PartitionerName(LogPartitioner partitioner) {
  return partitioner == LogPartitioner::kKafka ? "kafka" : "hash64";
}

// meta: "log/end/" | partition (u32 BE) -> the partition's next offset (u64 BE).
std::string EndOffsetKey(uint32_t partition) {
  std::string key = "log/end/";
  PutFixed32BE(key, partition);
  return key;
}

std::string LogKey(uint32_t partition, uint64_t offset) {
  std::string key;
  key.reserve(12);
  PutFixed32BE(key, partition);
  PutFixed64BE(key, offset);
  return key;
}

}  // namespace

std::string LogRecordKey(uint32_t partition, uint64_t offset) { return LogKey(partition, offset); }

Result<SyncMode> ParseSyncMode(std::string_view text) {
  if (text == "always") return SyncMode::kAlways;
  if (text == "batch") return SyncMode::kBatch;
  if (text == "none") return SyncMode::kNone;
  return Status::InvalidArgument("--sync must be always, batch or none, not '" + std::string(text) +
                                 "'");
}

EventLog::EventLog(Store& store, const EventLogOptions& options, const Clock& clock)
    : store_(store), options_(options), clock_(clock) {}

Result<std::unique_ptr<EventLog>> EventLog::Open(Store& store, const EventLogOptions& requested,
                                                 const Clock& clock, MetricsRegistry* metrics) {
  EventLogOptions options = requested;
  if (options.partitions > 4096) {
    return Status::InvalidArgument("partitions must be between 1 and 4096");
  }
  // The partition count is part of the data: routing keys map to partitions through it.
  auto stored = store.Get(Cf::kMeta, kPartitionsKey);
  if (stored.ok()) {
    if (stored->size() != 4) return Status::Corruption("bad stored partition count");
    uint32_t existing = GetFixed32BE(*stored);
    if (existing == 0 || existing > 4096) {
      return Status::Corruption("stored partition count " + std::to_string(existing) +
                                " is out of range");
    }
    if (options.partitions == 0) options.partitions = existing;
    if (existing != options.partitions) {
      return Status::InvalidArgument("the log has " + std::to_string(existing) +
                                     " partitions; it cannot be reopened with " +
                                     std::to_string(options.partitions));
    }
  } else if (stored.status().code() == StatusCode::kNotFound) {
    if (options.partitions == 0) options.partitions = kDefaultPartitions;
    rocksdb::WriteBatch batch;
    std::string value;
    PutFixed32BE(value, options.partitions);
    batch.Put(store.cf(Cf::kMeta), std::string(kPartitionsKey), value);
    RETURN_IF_ERROR(store.Write(batch, true));
  } else {
    return stored.status();
  }
  auto partitioner = store.Get(Cf::kMeta, kPartitionerKey);
  if (partitioner.ok() || partitioner.status().code() == StatusCode::kNotFound) {
    const std::string existing =
        partitioner.ok() ? *partitioner : std::string(PartitionerName(LogPartitioner::kHash64));
    if (!partitioner.ok() && options.partitioner != LogPartitioner::kHash64) {
      // A new log, or an old local one: only a log with no records may become a mirror.
      auto any = store.NewIterator(Cf::kLog);
      any->SeekToFirst();
      RETURN_IF_ERROR(FromRocks(any->status(), "checking the log"));
      if (any->Valid()) {
        return Status::InvalidArgument(
            "this data directory holds a local event log; cluster mode needs a new one");
      }
      rocksdb::WriteBatch batch;
      batch.Put(store.cf(Cf::kMeta), std::string(kPartitionerKey),
                std::string(PartitionerName(options.partitioner)));
      RETURN_IF_ERROR(store.Write(batch, true));
    } else if (existing != PartitionerName(options.partitioner)) {
      return Status::InvalidArgument(
          "this data directory's event log was created " +
          std::string(existing == "kafka" ? "in cluster mode (--kafka-brokers)"
                                          : "without cluster mode") +
          "; it cannot be reopened " +
          (options.partitioner == LogPartitioner::kKafka ? "in cluster mode" : "without it"));
    }
  } else {
    return partitioner.status();
  }

  auto log = std::unique_ptr<EventLog>(new EventLog(store, options, clock));
  log->next_offsets_.assign(options.partitions, 0);
  log->end_offsets_.reset(new std::atomic<uint64_t>[options.partitions]);
  if (options.partitioner == LogPartitioner::kKafka) {
    // Until a partition mirrors its first record after this open, none of its entries expire.
    log->horizons_ = std::make_shared<DedupeHorizons>(options.partitions);
    store.UseDedupeHorizons(log->horizons_);
  }
  auto it = store.NewIterator(Cf::kLog);
  for (uint32_t partition = 0; partition < options.partitions; ++partition) {
    // The last key of the partition is just before the first key of the next one.
    it->SeekForPrev(LogKey(partition, UINT64_MAX));
    uint64_t next = 0;
    if (it->Valid() && it->key().size() == 12 &&
        GetFixed32BE(std::string_view(it->key().data(), 4)) == partition) {
      next = GetFixed64BE(std::string_view(it->key().data() + 4, 8)) + 1;
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "recovering log offsets"));
    // Records can be deleted (erasure, retention): the persisted end offset keeps offsets from
    // being reused when the newest records of a partition are gone.
    auto persisted = store.Get(Cf::kMeta, EndOffsetKey(partition));
    if (persisted.ok() && persisted->size() == 8) {
      next = std::max(next, GetFixed64BE(*persisted));
    } else if (!persisted.ok() && persisted.status().code() != StatusCode::kNotFound) {
      return persisted.status();
    }
    log->next_offsets_[partition] = next;
    log->end_offsets_[partition].store(next);
  }
  if (metrics != nullptr) {
    log->appended_counter_ =
        &metrics->GetCounter("mercato_events_ingested_total", "Events appended to the log");
    log->duplicate_counter_ = &metrics->GetCounter(
        "mercato_events_duplicate_total", "Events acknowledged but not stored (messageId seen)");
    log->group_size_ = &metrics->GetHistogram("mercato_log_group_commit_requests",
                                              "Requests sharing one log write", {},
                                              {1, 2, 4, 8, 16, 32, 64, 128, 256});
    log->sync_latency_ = &metrics->GetHistogram("mercato_log_write_seconds",
                                                "Latency of one group log write including sync", {},
                                                DefaultLatencyBuckets());
    EventLog* raw = log.get();
    metrics->AddGaugeCallback("mercato_log_records", "Records in the local event log", {},
                              [raw] { return static_cast<double>(raw->TotalRecords()); });
  }
  return log;
}

EventLog::~EventLog() { Stop(); }

void EventLog::Start() {
  std::lock_guard lock(mu_);
  if (writer_.joinable()) return;
  stopping_ = false;
  writer_ = std::thread([this] { WriterLoop(); });
}

void EventLog::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  std::deque<Request> left;
  {
    std::lock_guard lock(mu_);
    left.swap(queue_);
    queued_items_ = 0;
    queued_bytes_ = 0;
  }
  for (Request& request : left) {
    request.callback(Status::Unavailable("the event log is stopping"), {});
  }
}

uint32_t EventLog::PartitionFor(std::string_view routing_key) const {
  if (options_.partitioner == LogPartitioner::kKafka) {
    return KafkaPartition(routing_key, options_.partitions);
  }
  return static_cast<uint32_t>(Hash64(routing_key) % options_.partitions);
}

void EventLog::SetAppendListener(std::function<void()> listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

void EventLog::AppendAsync(std::vector<AppendItem> items, Callback callback) {
  if (items.empty()) {
    callback(Status::Ok(), {});
    return;
  }
  const bool positioned = items.front().position.has_value();
  for (const AppendItem& item : items) {
    if (item.position.has_value() != positioned) {
      callback(Status::InvalidArgument("an append mixes positioned and unpositioned records"), {});
      return;
    }
    if (positioned && item.position->partition >= options_.partitions) {
      callback(Status::InvalidArgument("record position names partition " +
                                       std::to_string(item.position->partition) + " of " +
                                       std::to_string(options_.partitions)),
               {});
      return;
    }
  }
  if (!positioned && upstream_ != nullptr) {
    upstream_->Produce(std::move(items), std::move(callback));
    return;
  }
  {
    std::unique_lock lock(mu_);
    if (stopping_ || !writer_.joinable()) {
      lock.unlock();
      callback(Status::Unavailable("the event log is not running"), {});
      return;
    }
    size_t bytes = 0;
    for (const AppendItem& item : items) bytes += item.payload.size();
    if (queued_items_ + items.size() > options_.max_queued_items ||
        (queued_bytes_ > 0 && queued_bytes_ + bytes > options_.max_queued_bytes)) {
      lock.unlock();
      callback(Status::ResourceExhausted("the event log write queue is full; retry later"), {});
      return;
    }
    queued_items_ += items.size();
    queued_bytes_ += bytes;
    queue_.push_back(Request{std::move(items), std::move(callback), bytes});
  }
  cv_.notify_one();
}

Result<AppendResult> EventLog::Append(std::vector<AppendItem> items) {
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  Status status;
  AppendResult result;
  AppendAsync(std::move(items), [&](Status s, AppendResult r) {
    std::lock_guard lock(done_mu);
    status = std::move(s);
    result = r;
    done = true;
    done_cv.notify_one();
  });
  std::unique_lock lock(done_mu);
  done_cv.wait(lock, [&] { return done; });
  if (!status.ok()) return status;
  return result;
}

void EventLog::WriterLoop() {
  std::vector<Request> group;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      // kAlways: one request per write. kBatch/kNone: everything queued so far.
      size_t take = options_.sync == SyncMode::kAlways ? 1 : queue_.size();
      for (size_t k = 0; k < take; ++k) {
        queued_items_ -= queue_.front().items.size();
        queued_bytes_ -= queue_.front().bytes;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    WriteGroup(group);
    group.clear();
  }
}

namespace {

// The messageId of a local log; for a mirror the partition (u32) and the messageId, so that what
// a mirror keeps of a partition depends on that partition's records alone.
std::string DedupeKey(const AppendItem& item) {
  if (!item.position) return item.message_id;
  std::string key;
  key.reserve(4 + item.message_id.size());
  PutFixed32BE(key, item.position->partition);
  key.append(item.message_id);
  return key;
}

}  // namespace

void EventLog::WriteGroup(std::vector<Request>& group) {
  const auto started = std::chrono::steady_clock::now();
  rocksdb::WriteBatch batch;
  std::vector<uint64_t> offsets = next_offsets_;
  std::vector<AppendResult> results(group.size());

  // Look all messageIds up in one MultiGet; duplicates inside the group are caught by `seen`.
  std::vector<std::string> dedupe_keys;
  for (const Request& request : group) {
    for (const AppendItem& item : request.items) {
      if (!item.message_id.empty()) dedupe_keys.push_back(DedupeKey(item));
    }
  }
  std::vector<rocksdb::Slice> keys(dedupe_keys.begin(), dedupe_keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  if (!keys.empty()) {
    store_.db()->MultiGet(rocksdb::ReadOptions(), store_.cf(Cf::kDedupe), keys.size(), keys.data(),
                          values.data(), statuses.data());
  }
  const int64_t window_start = clock_.NowMicros() - options_.dedupe_window_us;
  std::unordered_set<std::string_view> seen;
  Status status;
  size_t key_index = 0;
  size_t appended = 0;
  for (size_t request_index = 0; request_index < group.size() && status.ok(); ++request_index) {
    for (const AppendItem& item : group[request_index].items) {
      if (item.position && item.position->offset < offsets[item.position->partition]) {
        // Already mirrored: a redelivery after a restart or a rebalance. Not looked up for dedupe.
        if (!item.message_id.empty()) ++key_index;
        ++results[request_index].duplicates;
        continue;
      }
      if (item.position) {
        // From here on the offset is consumed, stored or not (a duplicate leaves a gap).
        offsets[item.position->partition] = item.position->offset + 1;
      }
      if (!item.message_id.empty()) {
        const rocksdb::Status& found = statuses[key_index];
        const rocksdb::PinnableSlice& value = values[key_index];
        ++key_index;
        bool duplicate = false;
        if (found.ok() && value.size() >= 8) {
          const int64_t stored_at = GetInt64Ordered(std::string_view(value.data(), 8));
          // A mirror judges the window by the records' own receipt times, not by this node's
          // clock, so that every node mirroring the partition, now or in a replay long after,
          // keeps the same records.
          duplicate = item.position ? stored_at >= item.received_at_us - options_.dedupe_window_us
                                    : stored_at >= window_start;
        } else if (!found.ok() && !found.IsNotFound()) {
          status = FromRocks(found, "dedupe lookup");
          break;
        }
        if (duplicate || !seen.insert(dedupe_keys[key_index - 1]).second) {
          ++results[request_index].duplicates;
          continue;
        }
      }
      const uint32_t partition =
          item.position ? item.position->partition : PartitionFor(item.routing_key);
      const uint64_t offset = item.position ? item.position->offset : offsets[partition]++;
      batch.Put(store_.cf(Cf::kLog), LogKey(partition, offset), item.payload);
      if (!item.message_id.empty()) {
        std::string value;
        value.reserve(20);
        PutInt64Ordered(value, item.received_at_us);
        PutFixed32BE(value, partition);
        PutFixed64BE(value, offset);
        batch.Put(store_.cf(Cf::kDedupe), dedupe_keys[key_index - 1], value);
      }
      ++results[request_index].appended;
      ++appended;
    }
  }
  bool moved = false;
  for (uint32_t partition = 0; partition < options_.partitions; ++partition) {
    moved = moved || offsets[partition] != next_offsets_[partition];
  }
  if (status.ok() && moved) {
    for (uint32_t partition = 0; partition < options_.partitions; ++partition) {
      if (offsets[partition] == next_offsets_[partition]) continue;
      std::string value;
      PutFixed64BE(value, offsets[partition]);
      batch.Put(store_.cf(Cf::kMeta), EndOffsetKey(partition), value);
    }
    status = store_.Write(batch, options_.sync != SyncMode::kNone);
  }
  if (status.ok() && horizons_ != nullptr) {
    for (const Request& request : group) {
      for (const AppendItem& item : request.items) {
        if (item.position) horizons_->Advance(item.position->partition, item.received_at_us);
      }
    }
  }
  if (status.ok()) {
    next_offsets_ = std::move(offsets);
    for (uint32_t partition = 0; partition < options_.partitions; ++partition) {
      end_offsets_[partition].store(next_offsets_[partition], std::memory_order_release);
    }
  } else {
    LOG(ERROR) << "log append failed: " << status.ToString();
  }
  if (appended_counter_ != nullptr && status.ok()) {
    appended_counter_->Inc(appended);
    size_t duplicates = 0;
    for (const AppendResult& r : results) duplicates += r.duplicates;
    duplicate_counter_->Inc(duplicates);
    group_size_->Observe(static_cast<double>(group.size()));
    sync_latency_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  // Wake consumers before acknowledging, so that a client that saw its 2xx also sees consumers
  // that are no longer "caught up".
  if (status.ok() && appended > 0) {
    std::function<void()> listener;
    {
      std::lock_guard lock(mu_);
      listener = listener_;
    }
    if (listener) listener();
  }
  for (size_t k = 0; k < group.size(); ++k) {
    group[k].callback(status, status.ok() ? results[k] : AppendResult{});
  }
}

Result<std::vector<LogRecord>> EventLog::Read(uint32_t partition, uint64_t from_offset,
                                              size_t max_records) const {
  if (partition >= options_.partitions) return Status::InvalidArgument("no such partition");
  std::vector<LogRecord> records;
  uint64_t end = EndOffset(partition);
  if (from_offset >= end) return records;
  auto it = store_.NewIterator(Cf::kLog);
  for (it->Seek(LogKey(partition, from_offset)); it->Valid() && records.size() < max_records;
       it->Next()) {
    auto key = it->key();
    if (key.size() != 12 || GetFixed32BE(std::string_view(key.data(), 4)) != partition) break;
    uint64_t offset = GetFixed64BE(std::string_view(key.data() + 4, 8));
    if (offset >= end) break;  // not yet published to readers
    records.push_back(LogRecord{partition, offset, it->value().ToString()});
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the log"));
  return records;
}

uint64_t EventLog::EndOffset(uint32_t partition) const {
  return end_offsets_[partition].load(std::memory_order_acquire);
}

uint64_t EventLog::TotalRecords() const {
  uint64_t total = 0;
  for (uint32_t partition = 0; partition < options_.partitions; ++partition) {
    total += EndOffset(partition);
  }
  return total;
}

}  // namespace mercato

#pragma once
// Store: the RocksDB database of one node, with one column family per kind of state
// (docs/formats/keys.md). Opening creates missing column families; a read-only open cannot, so
// there a family the directory does not have yet (written by an older version) reads as empty.
// Other modules write through Write() so that a state change and its cursor move land in one
// atomic WriteBatch.
//
// Thread safety: all methods are safe from any thread (RocksDB is). Fault injection for tests:
// FailWritesAfter(n) makes the (n+1)-th and later Write() calls fail with IoError.

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace mercato {

enum class Cf : int {
  kDefault = 0,
  kLog,           // partition | offset -> event payload
  kDedupe,        // messageId -> received_at | partition | offset
  kEvents,        // customer | timestamp | partition | offset -> event payload
  kIdentities,    // kind ':' value -> customer id
  kProfiles,      // customer id -> profile JSON
  kMeta,          // cursors, partition count, format version
  kKeys,          // per-customer data keys wrapped by the master key (privacy/key_vault.h)
  kSegments,      // segment definitions, memberships, size history, re-check timers (segment/)
  kModels,        // per-customer predictions and model runs (profile/prediction_store.h)
  kCatalog,       // item id -> catalog item JSON (catalog/)
  kJourneys,      // journey records and definition versions (journey/journey_store.h)
  kTemplates,     // template id -> message template JSON (content/template_store.h)
  kJourneyState,  // per-customer journey state, timers, indexes, stats (journey/engine_keys.h)
  kOutbox,        // messages to deliver, delivered keys, dead letters (journey/outbox.h)
  kCount
};

// True when an event (a log record's or history row's payload) is past its retention period.
// Called from RocksDB's compaction threads; must be thread-safe and must not throw.
using EventExpiryFn = std::function<bool(std::string_view payload)>;

struct StoreOptions {
  std::string path;
  // Messages older than this are dropped from the dedupe index at compaction.
  int64_t dedupe_window_us = 24 * 3600 * kMicrosPerSecond;
  const Clock* clock = &SystemClock::Instance();
  size_t block_cache_bytes = 64 << 20;
  // Opens without taking the lock, so a running server's data can be read (state as of the open).
  // Writes fail.
  bool read_only = false;
  // Retention (privacy/retention.h): applied to the log and events column families at compaction.
  EventExpiryFn event_expired;
  // With event_expired set: every file of those families is compacted at least this often.
  uint64_t retention_compaction_seconds = 24 * 3600;
};

// The newest receivedAt mirrored per partition of a Kafka mirror (EventLog keeps it): a mirror's
// dedupe entries expire by their partition's horizon instead of the clock, so a replay of old
// records keeps the entries it needs, on every node alike. Thread-safe.
class DedupeHorizons {
 public:
  explicit DedupeHorizons(uint32_t partitions) : newest_(partitions) {
    for (auto& value : newest_) value.store(0, std::memory_order_relaxed);
  }
  // Raises the partition's horizon to `received_at_us` (never lowers it).
  void Advance(uint32_t partition, int64_t received_at_us) {
    if (partition >= newest_.size()) return;
    int64_t current = newest_[partition].load(std::memory_order_relaxed);
    while (received_at_us > current &&
           !newest_[partition].compare_exchange_weak(current, received_at_us)) {
    }
  }
  // 0 when nothing was mirrored to the partition since the process started (then nothing of it
  // expires) or for a partition out of range.
  int64_t Newest(uint32_t partition) const {
    return partition < newest_.size() ? newest_[partition].load(std::memory_order_relaxed) : 0;
  }

 private:
  std::vector<std::atomic<int64_t>> newest_;
};

class Store {
 public:
  // Opens (creating if needed) the database at options.path. Fails with IoError when the directory
  // cannot be used or another process holds its lock.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf family) { return handles_[static_cast<int>(family)]; }

  // Applies the batch atomically; with sync=true it returns after the WAL is fsynced.
  Status Write(rocksdb::WriteBatch& batch, bool sync);
  // Reads one key; NotFound when absent.
  Result<std::string> Get(Cf family, std::string_view key);
  std::unique_ptr<rocksdb::Iterator> NewIterator(Cf family);

  // Flushes every memtable and compacts every column family down to the bottom level, so deleted
  // and expired data leaves the files (erasure, retention). Blocks; can take long on a large store.
  Status CompactAll();

  // A consistent copy of the whole database in `dir` (which must not exist): every memtable is
  // flushed first, so the copy needs no write-ahead log; files are hard-linked when `dir` is on
  // the same file system (SST files are immutable), copied otherwise. Safe while writes go on.
  Status CreateCheckpoint(const std::string& dir);

  // From now on, dedupe entries (whose value holds their partition) expire when their receivedAt
  // is more than twice the window older than their partition's horizon, not by the clock (a
  // Kafka mirror; twice: receipt times of one partition come from several nodes' clocks).
  void UseDedupeHorizons(std::shared_ptr<const DedupeHorizons> horizons);

  // Test hook: after `writes` more successful writes, every write fails with IoError.
  void FailWritesAfter(int64_t writes) { writes_before_failure_.store(writes); }

 private:
  Store() = default;

  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, static_cast<int>(Cf::kCount)> handles_{};
  std::shared_ptr<rocksdb::CompactionFilterFactory> dedupe_filter_;  // shared with RocksDB options
  std::shared_ptr<rocksdb::CompactionFilterFactory> retention_filter_;
  std::atomic<int64_t> writes_before_failure_{-1};
};

// Converts a RocksDB status to ours, prefixing `context`.
Status FromRocks(const rocksdb::Status& status, std::string_view context);

}  // namespace mercato

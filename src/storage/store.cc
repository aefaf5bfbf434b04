#include "storage/store.h"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "core/big_endian.h"

namespace mercato {
namespace {

constexpr const char* kCfNames[] = {
    "default",  "log",    "dedupe",  "events",   "identities", "profiles",      "meta",  "keys",
    "segments", "models", "catalog", "journeys", "templates",  "journey_state", "outbox"};
static_assert(std::size(kCfNames) == static_cast<size_t>(Cf::kCount));

// Drops dedupe entries whose received_at (first 8 bytes of the value) is older than the window,
// so the index stays bounded without a sweeper thread: older than the clock's window, or, with
// horizons (a Kafka mirror), older than twice the window before their partition's horizon.
class DedupeExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  DedupeExpiryFilter(const Clock& clock, int64_t window_us,
                     std::shared_ptr<const DedupeHorizons> horizons)
      : clock_(clock), window_us_(window_us), horizons_(std::move(horizons)) {}
  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*,
              bool*) const override {
    if (value.size() < 8) return true;
    int64_t received_at = GetInt64Ordered(std::string_view(value.data(), 8));
    if (horizons_ == nullptr) return received_at < clock_.NowMicros() - window_us_;
    if (value.size() < 12) return true;
    const int64_t newest = horizons_->Newest(GetFixed32BE(std::string_view(value.data() + 8, 4)));
    return newest != 0 && received_at < newest - 2 * window_us_;
  }
  const char* Name() const override { return "mercato.DedupeExpiry"; }

 private:
  const Clock& clock_;
  const int64_t window_us_;
  const std::shared_ptr<const DedupeHorizons> horizons_;
};

class DedupeExpiryFactory final : public rocksdb::CompactionFilterFactory {
 public:
  DedupeExpiryFactory(const Clock& clock, int64_t window_us)
      : clock_(clock), window_us_(window_us) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context&) override {
    std::lock_guard lock(mu_);
    return std::make_unique<DedupeExpiryFilter>(clock_, window_us_, horizons_);
  }
  const char* Name() const override { return "mercato.DedupeExpiryFactory"; }
  void UseHorizons(std::shared_ptr<const DedupeHorizons> horizons) {
    std::lock_guard lock(mu_);
    horizons_ = std::move(horizons);
  }

 private:
  const Clock& clock_;
  const int64_t window_us_;
  std::mutex mu_;
  std::shared_ptr<const DedupeHorizons> horizons_;  // guarded by mu_
};

// Drops events (log records and history rows) that the retention policy says have expired.
class RetentionFilter final : public rocksdb::CompactionFilter {
 public:
  explicit RetentionFilter(const EventExpiryFn& expired) : expired_(expired) {}
  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*,
              bool*) const override {
    return expired_(std::string_view(value.data(), value.size()));
  }
  const char* Name() const override { return "mercato.Retention"; }

 private:
  const EventExpiryFn& expired_;
};

class RetentionFactory final : public rocksdb::CompactionFilterFactory {
 public:
  explicit RetentionFactory(EventExpiryFn expired) : expired_(std::move(expired)) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context&) override {
    return std::make_unique<RetentionFilter>(expired_);
  }
  const char* Name() const override { return "mercato.RetentionFactory"; }

 private:
  const EventExpiryFn expired_;
};

}  // namespace

void Store::UseDedupeHorizons(std::shared_ptr<const DedupeHorizons> horizons) {
  if (dedupe_filter_ == nullptr) return;
  std::static_pointer_cast<DedupeExpiryFactory>(dedupe_filter_)->UseHorizons(std::move(horizons));
}

Status FromRocks(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status::Ok();
  std::string message = std::string(context) + ": " + status.ToString();
  if (status.IsNotFound()) return Status::NotFound(message);
  if (status.IsCorruption()) return Status::Corruption(message);
  if (status.IsInvalidArgument()) return Status::InvalidArgument(message);
  return Status::IoError(message);
}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  auto store = std::unique_ptr<Store>(new Store());
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  db_options.max_total_wal_size = 256 << 20;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions base;
  base.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  base.compression = rocksdb::kLZ4Compression;
  base.write_buffer_size = 32 << 20;

  store->dedupe_filter_ =
      std::make_shared<DedupeExpiryFactory>(*options.clock, options.dedupe_window_us);
  // A read-only open cannot create column families: those a directory written by an older version
  // lacks are left out and read as empty (their handles alias the default family, which nothing
  // writes).
  std::vector<std::string> existing;
  if (options.read_only) {
    rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing);
    if (!listed.ok()) return FromRocks(listed, "opening " + options.path);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<int> families;  // the Cf of each descriptor
  for (int k = 0; k < static_cast<int>(Cf::kCount); ++k) {
    if (options.read_only &&
        std::find(existing.begin(), existing.end(), kCfNames[k]) == existing.end()) {
      continue;
    }
    rocksdb::ColumnFamilyOptions cf_options = base;
    if (k == static_cast<int>(Cf::kDedupe)) {
      cf_options.compaction_filter_factory = store->dedupe_filter_;
      cf_options.compression = rocksdb::kNoCompression;
      // Almost every lookup is for a new messageId: a memtable Bloom filter answers "absent"
      // without walking the skiplist.
      cf_options.memtable_whole_key_filtering = true;
      cf_options.memtable_prefix_bloom_size_ratio = 0.05;
      // A small memtable keeps the random-key skiplist cache-friendly: ~16% faster inserts
      // measured by bench/rocksdb_append_bench.cc.
      cf_options.write_buffer_size = 8 << 20;
    }
    if (k == static_cast<int>(Cf::kLog)) {
      cf_options.write_buffer_size = 64 << 20;
    }
    if (options.event_expired &&
        (k == static_cast<int>(Cf::kLog) || k == static_cast<int>(Cf::kEvents))) {
      if (!store->retention_filter_) {
        store->retention_filter_ = std::make_shared<RetentionFactory>(options.event_expired);
      }
      cf_options.compaction_filter_factory = store->retention_filter_;
      // Every file is rewritten at least this often, so expiry does not wait for data to be
      // compacted for other reasons.
      cf_options.periodic_compaction_seconds = options.retention_compaction_seconds;
    }
    descriptors.emplace_back(kCfNames[k], cf_options);
    families.push_back(k);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, descriptors, &handles, &raw)
          : rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw);
  if (!status.ok()) return FromRocks(status, "opening " + options.path);
  store->db_.reset(raw);
  for (size_t k = 0; k < handles.size(); ++k) store->handles_[families[k]] = handles[k];
  auto* default_family = store->handles_[static_cast<int>(Cf::kDefault)];
  for (auto*& handle : store->handles_) {
    if (handle == nullptr) handle = default_family;
  }
  return store;
}

Store::~Store() {
  if (!db_) return;
  for (size_t k = 0; k < handles_.size(); ++k) {
    // A family missing from a read-only open aliases the default family's handle: destroy it once.
    const bool alias = k > 0 && handles_[k] == handles_[static_cast<int>(Cf::kDefault)];
    if (handles_[k] != nullptr && !alias) {
      db_->DestroyColumnFamilyHandle(handles_[k]).PermitUncheckedError();
    }
  }
  db_->Close().PermitUncheckedError();
}

Status Store::Write(rocksdb::WriteBatch& batch, bool sync) {
  int64_t remaining = writes_before_failure_.load(std::memory_order_relaxed);
  if (remaining == 0) return Status::IoError("injected write failure");
  if (remaining > 0) writes_before_failure_.fetch_sub(1);
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  return FromRocks(db_->Write(write_options, &batch), "write");
}

Result<std::string> Store::Get(Cf family, std::string_view key) {
  std::string value;
  rocksdb::Status status =
      db_->Get(rocksdb::ReadOptions(), cf(family), rocksdb::Slice(key.data(), key.size()), &value);
  if (status.IsNotFound()) return Status::NotFound("key not found");
  if (!status.ok()) return FromRocks(status, "get");
  return value;
}

Status Store::CreateCheckpoint(const std::string& dir) {
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush = 0: always flush, so the copy holds no WAL to replay.
  return FromRocks(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0), "checkpoint");
}

Status Store::CompactAll() {
  std::vector<rocksdb::ColumnFamilyHandle*> families(handles_.begin(), handles_.end());
  rocksdb::FlushOptions flush;
  flush.wait = true;
  RETURN_IF_ERROR(FromRocks(db_->Flush(flush, families), "flush"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  compact.exclusive_manual_compaction = false;
  for (auto* family : families) {
    RETURN_IF_ERROR(FromRocks(db_->CompactRange(compact, family, nullptr, nullptr), "compact"));
  }
  // Obsolete files (the compacted inputs, WAL files whose data is flushed) are deleted now rather
  // than at the next background purge.
  RETURN_IF_ERROR(FromRocks(db_->FlushWAL(/*sync=*/true), "WAL sync"));
  return Status::Ok();
}

std::unique_ptr<rocksdb::Iterator> Store::NewIterator(Cf family) {
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
}

}  // namespace mercato

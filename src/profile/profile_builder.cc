#include "profile/profile_builder.h"

#include <boost/json.hpp>
#include <chrono>
#include <mutex>

#include "core/big_endian.h"
#include "core/logging.h"
#include "profile/batch_overlay.h"
#include "profile/event_view.h"
#include "profile/forwarded.h"
#include "profile/keys.h"
#include "profile/profile_store.h"

namespace mercato {
namespace json = boost::json;

class ProfileBuilder::Impl {
 public:
  Impl(Store& store, const EventLog& log, KeyVault& vault, const Clock& clock,
       MetricsRegistry* metrics);
  ~Impl();

  Result<size_t> ProcessBatch(size_t max_events);
  uint64_t Lag() const;
  std::vector<uint64_t> Cursors() const;
  void EnableIdentityRouting(EventLog& log) { routing_log_ = &log; }
  Result<CustomerErasure> Erase(std::string_view customer_id);

 private:
  Status LoadCursors();
  // Reads up to `max_events` pending records: first a fair share per partition, then whatever
  // budget is left. `next` receives the cursor each partition would move to.
  Result<std::vector<LogRecord>> ReadPending(size_t max_events, std::vector<uint64_t>& next);

  // const after construction
  Store& store_;
  const EventLog& log_;
  KeyVault& vault_;
  const Clock& clock_;
  MetricsRegistry* const metrics_;
  // Serialises ProcessBatch and Erase.
  std::mutex mu_;
  Counter* processed_ = nullptr;
  Counter* skipped_ = nullptr;
  Histogram* batch_seconds_ = nullptr;

  // Written by the builder thread after each committed batch; read by Lag() from any thread.
  std::unique_ptr<std::atomic<uint64_t>[]> cursors_;
  // builder thread only
  bool cursors_loaded_ = false;
  EventLog* routing_log_ = nullptr;  // set before the first batch
};

ProfileBuilder::Impl::Impl(Store& store, const EventLog& log, KeyVault& vault, const Clock& clock,
                           MetricsRegistry* metrics)
    : store_(store),
      log_(log),
      vault_(vault),
      clock_(clock),
      metrics_(metrics),
      cursors_(new std::atomic<uint64_t>[log.partitions()]) {
  for (uint32_t partition = 0; partition < log_.partitions(); ++partition) cursors_[partition] = 0;
  // A failure here is retried by the first ProcessBatch, which reports it.
  if (Status status = LoadCursors(); !status.ok()) {
    LOG(WARNING) << "profile cursors not loaded yet: " << status.ToString();
  }
  if (metrics_ != nullptr) {
    processed_ = &metrics_->GetCounter("mercato_profile_events_processed_total",
                                       "Log records applied to customer profiles");
    skipped_ = &metrics_->GetCounter("mercato_profile_events_skipped_total",
                                     "Log records skipped by the profile builder as undecodable");
    batch_seconds_ = &metrics_->GetHistogram("mercato_profile_batch_seconds",
                                             "Latency of one profile batch including its write", {},
                                             DefaultLatencyBuckets());
    metrics_->AddGaugeCallback("mercato_consumer_lag", "Log records not yet processed",
                               {{"consumer", "profiles"}},
                               [this] { return static_cast<double>(Lag()); });
  }
}

ProfileBuilder::Impl::~Impl() {
  if (metrics_ != nullptr) {
    // The registry may outlive this builder: replace the callback (under the registry's lock, so
    // no scrape is still running the old one) with the last value.
    const double last = static_cast<double>(Lag());
    metrics_->AddGaugeCallback("mercato_consumer_lag", "Log records not yet processed",
                               {{"consumer", "profiles"}}, [last] { return last; });
  }
}

Status ProfileBuilder::Impl::LoadCursors() {
  for (uint32_t partition = 0; partition < log_.partitions(); ++partition) {
    auto stored = store_.Get(Cf::kMeta, profile::CursorKey(partition));
    uint64_t cursor = 0;
    if (stored.ok()) {
      if (stored->size() != 8) return Status::Corruption("bad profile cursor value");
      cursor = GetFixed64BE(*stored);
    } else if (stored.status().code() != StatusCode::kNotFound) {
      return stored.status();
    }
    cursors_[partition].store(cursor, std::memory_order_release);
  }
  cursors_loaded_ = true;
  return Status::Ok();
}

uint64_t ProfileBuilder::Impl::Lag() const {
  uint64_t lag = 0;
  for (uint32_t partition = 0; partition < log_.partitions(); ++partition) {
    uint64_t end = log_.EndOffset(partition);
    uint64_t cursor = cursors_[partition].load(std::memory_order_acquire);
    if (end > cursor) lag += end - cursor;
  }
  return lag;
}

Result<std::vector<LogRecord>> ProfileBuilder::Impl::ReadPending(size_t max_events,
                                                                 std::vector<uint64_t>& next) {
  const uint32_t partitions = log_.partitions();
  next.resize(partitions);
  for (uint32_t partition = 0; partition < partitions; ++partition) {
    next[partition] = cursors_[partition].load(std::memory_order_relaxed);
  }
  std::vector<std::vector<LogRecord>> by_partition(partitions);
  size_t budget = max_events;
  const size_t share = std::max<size_t>(1, (max_events + partitions - 1) / partitions);
  for (int pass = 0; pass < 2 && budget > 0; ++pass) {
    for (uint32_t partition = 0; partition < partitions && budget > 0; ++partition) {
      const uint64_t end = log_.EndOffset(partition);
      if (next[partition] >= end) continue;
      size_t want = std::min<uint64_t>(budget, end - next[partition]);
      if (pass == 0) want = std::min(want, share);
      ASSIGN_OR_RETURN(std::vector<LogRecord> records, log_.Read(partition, next[partition], want));
      // A short read reached `end`: offsets between the last record and it are a gap (erased
      // records, or offsets a mirror consumed without storing), which the cursor passes.
      if (records.size() < want) next[partition] = end;
      if (records.empty()) continue;
      next[partition] = std::max(next[partition], records.back().offset + 1);
      budget -= records.size();
      auto& target = by_partition[partition];
      target.insert(target.end(), std::make_move_iterator(records.begin()),
                    std::make_move_iterator(records.end()));
    }
  }
  // Each partition's records stay in offset order (the log's per-partition order).
  std::vector<LogRecord> all;
  all.reserve(max_events - budget);
  for (auto& records : by_partition) {
    all.insert(all.end(), std::make_move_iterator(records.begin()),
               std::make_move_iterator(records.end()));
  }
  return all;
}

std::vector<uint64_t> ProfileBuilder::Impl::Cursors() const {
  std::vector<uint64_t> cursors(log_.partitions());
  for (uint32_t partition = 0; partition < log_.partitions(); ++partition) {
    cursors[partition] = cursors_[partition].load(std::memory_order_acquire);
  }
  return cursors;
}

Result<size_t> ProfileBuilder::Impl::ProcessBatch(size_t max_events) {
  std::lock_guard lock(mu_);
  const auto started = std::chrono::steady_clock::now();
  if (!cursors_loaded_) RETURN_IF_ERROR(LoadCursors());
  if (max_events == 0) return size_t{0};
  std::vector<uint64_t> next;
  ASSIGN_OR_RETURN(std::vector<LogRecord> records, ReadPending(max_events, next));
  if (records.empty()) {
    // Only gaps: the cursors pass them, and there is nothing else to do.
    rocksdb::WriteBatch batch;
    for (uint32_t partition = 0; partition < log_.partitions(); ++partition) {
      if (next[partition] == cursors_[partition].load(std::memory_order_relaxed)) continue;
      std::string value;
      PutFixed64BE(value, next[partition]);
      batch.Put(store_.cf(Cf::kMeta), profile::CursorKey(partition), value);
    }
    if (batch.Count() == 0) return size_t{0};
    RETURN_IF_ERROR(store_.Write(batch, /*sync=*/false));
    for (uint32_t partition = 0; partition < log_.partitions(); ++partition) {
      cursors_[partition].store(next[partition], std::memory_order_release);
    }
    return size_t{0};
  }

  std::function<uint32_t(std::string_view)> partition_for;
  if (routing_log_ != nullptr) {
    partition_for = [this](std::string_view value) { return log_.PartitionFor(value); };
  }
  profile::BatchOverlay overlay(store_, vault_.pseudonym_key(), std::move(partition_for));
  size_t skipped = 0;
  // Parsed payloads live in a per-record arena; profiles copy what they keep.
  unsigned char arena[16384];
  for (const LogRecord& record : records) {
    json::monotonic_resource resource(arena, sizeof(arena));
    boost::system::error_code ec;
    json::value root =
        json::parse(json::string_view(record.payload.data(), record.payload.size()), ec, &resource);
    Result<profile::EventView> view =
        ec ? Result<profile::EventView>(Status::InvalidArgument("malformed JSON: " + ec.message()))
           : profile::ReadEventView(root, &vault_);
    if (!view.ok()) {
      // The log holds only validated events, so this is damage; stalling every later event of the
      // partition behind it would be worse than skipping it.
      LOG(ERROR) << "profiles: skipping undecodable log record " << record.partition << "/"
                 << record.offset << ": " << view.status().ToString();
      ++skipped;
      continue;
    }
    RETURN_IF_ERROR(overlay.Apply(*view, record.partition, record.offset, record.payload));
  }

  // Records for other partitions are durable before the state that produced them (ADR 0018): a
  // crash in between repeats them, and their destinations skip the repeats.
  if (std::vector<AppendItem> outbox = overlay.TakeOutbox(); !outbox.empty()) {
    RETURN_IF_ERROR(routing_log_->Append(std::move(outbox)).status());
  }
  if (!overlay.erased_keys().empty()) {
    // Stubs erased with their customer elsewhere: shred their keys before deleting them.
    std::vector<std::string> keyed;
    for (const std::string& key : overlay.erased_keys()) {
      if (key.starts_with("u:") || key.starts_with("a:")) keyed.push_back(key);
    }
    RETURN_IF_ERROR(vault_.Destroy(keyed).status());
  }
  rocksdb::WriteBatch batch;
  RETURN_IF_ERROR(overlay.Flush(batch));
  for (uint32_t partition = 0; partition < log_.partitions(); ++partition) {
    if (next[partition] == cursors_[partition].load(std::memory_order_relaxed)) continue;
    std::string value;
    PutFixed64BE(value, next[partition]);
    batch.Put(store_.cf(Cf::kMeta), profile::CursorKey(partition), value);
  }
  // Not synced: the log is the source of truth and the cursors move atomically with the state, so
  // a lost tail of unsynced batches is simply processed again after a crash.
  RETURN_IF_ERROR(store_.Write(batch, /*sync=*/false));
  for (uint32_t partition = 0; partition < log_.partitions(); ++partition) {
    cursors_[partition].store(next[partition], std::memory_order_release);
  }
  if (processed_ != nullptr) {
    processed_->Inc(records.size() - skipped);
    if (skipped > 0) skipped_->Inc(skipped);
    batch_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return records.size();
}

ProfileBuilder::ProfileBuilder(Store& store, const EventLog& log, KeyVault& vault,
                               const Clock& clock, MetricsRegistry* metrics)
    : impl_(std::make_unique<Impl>(store, log, vault, clock, metrics)) {}

ProfileBuilder::~ProfileBuilder() = default;

Result<size_t> ProfileBuilder::ProcessBatch(size_t max_events) {
  return impl_->ProcessBatch(max_events);
}

uint64_t ProfileBuilder::Lag() const { return impl_->Lag(); }

void ProfileBuilder::EnableIdentityRouting(EventLog& log) { impl_->EnableIdentityRouting(log); }

std::vector<uint64_t> ProfileBuilder::Cursors() const { return impl_->Cursors(); }

Result<CustomerErasure> ProfileBuilder::Impl::Erase(std::string_view customer_id) {
  std::lock_guard lock(mu_);
  if (routing_log_ != nullptr) {
    // Sent before the delete, which removes the history they are read from; a repeat after a
    // crash in between sends them again, harmlessly.
    auto live = ProfileStore(store_, vault_, clock_).Resolve(customer_id);
    if (live.ok()) {
      ASSIGN_OR_RETURN(
          std::vector<AppendItem> messages,
          profile::ErasureMessages(
              store_, *live, [this](std::string_view value) { return log_.PartitionFor(value); },
              clock_.NowMicros()));
      if (!messages.empty()) RETURN_IF_ERROR(routing_log_->Append(std::move(messages)).status());
    }
  }
  return EraseCustomer(store_, vault_, customer_id);
}

Result<CustomerErasure> ProfileBuilder::Erase(std::string_view customer_id) {
  return impl_->Erase(customer_id);
}

}  // namespace mercato

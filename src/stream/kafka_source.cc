#include "stream/kafka_source.h"

#include <charconv>
#include <chrono>

#include "core/logging.h"
#include "stream/kafka_internal.h"

namespace mercato::stream {
namespace {

std::string_view HeaderValue(rd_kafka_headers_t* headers, const char* name) {
  const void* value = nullptr;
  size_t size = 0;
  if (headers == nullptr ||
      rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      value == nullptr) {
    return {};
  }
  return {static_cast<const char*>(value), size};
}

}  // namespace

Result<std::unique_ptr<KafkaSource>> KafkaSource::Create(EventLog& log, KafkaSourceOptions options,
                                                         MetricsRegistry* metrics) {
  if (log.partitioner() != LogPartitioner::kKafka) {
    return Status::InvalidArgument("the Kafka source mirrors into a cluster-mode log only");
  }
  auto source = std::unique_ptr<KafkaSource>(new KafkaSource(log, std::move(options)));
  source->assigned_.assign(log.partitions(), false);
  source->reached_end_.assign(log.partitions(), false);
  source->barrier_.assign(log.partitions(), 0);
  KafkaSource* raw = source.get();
  ASSIGN_OR_RETURN(
      source->handle_,
      NewHandle(source->options_.kafka, KafkaRole::kConsumer,
                {{"group.id", source->options_.kafka.group},
                 {"enable.auto.commit", "false"},
                 {"enable.partition.eof", "true"},
                 {"auto.offset.reset", "earliest"},
                 {"allow.auto.create.topics", "false"},
                 {"session.timeout.ms", "6000"},
                 {"heartbeat.interval.ms", "500"},
                 {"partition.assignment.strategy", "cooperative-sticky"}},
                [raw](rd_kafka_conf_t* conf) {
                  rd_kafka_conf_set_opaque(conf, raw);
                  rd_kafka_conf_set_rebalance_cb(
                      conf, [](rd_kafka_t*, rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t* partitions, void* opaque) {
                        static_cast<KafkaSource*>(opaque)->OnRebalance(err, partitions);
                      });
                }));
  rd_kafka_poll_set_consumer(source->handle_.get());
  if (metrics != nullptr) {
    source->mirrored_ = &metrics->GetCounter("mercato_kafka_mirrored_total",
                                             "Kafka records appended to the local mirror");
    source->rejected_counter_ =
        &metrics->GetCounter("mercato_kafka_rejected_total",
                             "Kafka records from other producers that failed validation");
    source->rebalances_ = &metrics->GetCounter("mercato_kafka_rebalances_total",
                                               "Partition assignments and revocations");
    for (uint32_t partition = 0; partition < log.partitions(); ++partition) {
      metrics->AddGaugeCallback(
          "mercato_kafka_consumer_lag", "Records of an assigned partition not yet mirrored",
          {{"partition", std::to_string(partition)}},
          [raw, partition] { return static_cast<double>(raw->Lag(partition)); });
    }
  }
  return source;
}

KafkaSource::~KafkaSource() { Stop(); }

void KafkaSource::Start(std::function<void(const std::vector<uint32_t>&)> on_assignment) {
  if (thread_.joinable()) return;
  if (on_assignment) {
    on_assignment_ = std::move(on_assignment);
  } else {
    on_assignment_ = options_.on_assignment;
  }
  stopping_.store(false);
  const std::string& topic = options_.kafka.topic;
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(handle_.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    LOG(ERROR) << "cannot subscribe to " << topic << ": " << rd_kafka_err2str(err);
  }
  thread_ = std::thread([this] { Loop(); });
}

void KafkaSource::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

std::vector<uint32_t> KafkaSource::Assigned() const {
  std::lock_guard lock(mu_);
  std::vector<uint32_t> out;
  for (uint32_t p = 0; p < assigned_.size(); ++p) {
    if (assigned_[p]) out.push_back(p);
  }
  return out;
}

bool KafkaSource::Owns(uint32_t partition) const {
  std::lock_guard lock(mu_);
  return partition < assigned_.size() && assigned_[partition];
}

bool KafkaSource::ReplayedThrough(const std::vector<uint64_t>& cursors) const {
  if (!Ready()) return false;
  std::lock_guard lock(mu_);
  for (size_t p = 0; p < assigned_.size(); ++p) {
    if (!assigned_[p]) continue;
    if (!reached_end_[p] || p >= cursors.size() || cursors[p] < barrier_[p]) return false;
  }
  return true;
}

int64_t KafkaSource::Lag(uint32_t partition) const {
  {
    std::lock_guard lock(mu_);
    if (partition >= assigned_.size() || !assigned_[partition]) return 0;
  }
  int64_t low = 0;
  int64_t high = 0;
  if (rd_kafka_get_watermark_offsets(handle_.get(), options_.kafka.topic.c_str(),
                                     static_cast<int32_t>(partition), &low,
                                     &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return 0;
  }
  return std::max<int64_t>(0, high - static_cast<int64_t>(log_.EndOffset(partition)));
}

SourceStatus KafkaSource::GetStatus() const {
  SourceStatus status;
  status.topic = options_.kafka.topic;
  status.group = options_.kafka.group;
  status.partitions = log_.partitions();
  status.ready = Ready();
  status.assigned = Assigned();
  for (uint32_t partition : status.assigned) {
    status.lag.push_back(Lag(partition));
    status.mirrored.push_back(log_.EndOffset(partition));
  }
  status.rejected = rejected();
  return status;
}

void KafkaSource::OnRebalance(int err, void* opaque_list) {
  auto* partitions = static_cast<rd_kafka_topic_partition_list_t*>(opaque_list);
  rd_kafka_t* handle = handle_.get();
  if (rebalances_ != nullptr) rebalances_->Inc();
  // Cooperative (the default here): the lists are the partitions gained or lost, and the others
  // stay assigned and mirrored. Eager (a user's partition.assignment.strategy): everything is
  // revoked, then the whole new assignment is given.
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE";
  const bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  {
    std::lock_guard lock(mu_);
    if (!cooperative) {
      std::fill(assigned_.begin(), assigned_.end(), false);
      std::fill(reached_end_.begin(), reached_end_.end(), false);
    }
    for (int i = 0; i < partitions->cnt; ++i) {
      rd_kafka_topic_partition_t& tp = partitions->elems[i];
      if (tp.partition < 0 || static_cast<size_t>(tp.partition) >= assigned_.size()) continue;
      const auto partition = static_cast<uint32_t>(tp.partition);
      assigned_[partition] = assign;
      reached_end_[partition] = false;
      if (assign) {
        // Resume where the local mirror ends; a partition never held starts at the beginning.
        const uint64_t end = log_.EndOffset(partition);
        tp.offset = end == 0 ? RD_KAFKA_OFFSET_BEGINNING : static_cast<int64_t>(end);
      }
    }
    // Ready when every partition still assigned has been mirrored to its end since it was given.
    bool all = assign || cooperative;
    for (size_t p = 0; p < assigned_.size() && all; ++p) all = !assigned_[p] || reached_end_[p];
    ready_.store(all, std::memory_order_release);
  }
  LOG(INFO) << "kafka: " << (assign ? "assigned " : "revoked ") << partitions->cnt
            << " partitions of " << options_.kafka.topic << " ("
            << (cooperative ? "cooperative" : "eager") << ")";
  rd_kafka_error_t* error = nullptr;
  if (cooperative) {
    error = assign ? rd_kafka_incremental_assign(handle, partitions)
                   : rd_kafka_incremental_unassign(handle, partitions);
  } else {
    rd_kafka_assign(handle, assign ? partitions : nullptr);
  }
  if (error != nullptr) {
    LOG(ERROR) << "kafka: changing the assignment failed: " << rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
  }
  if (on_assignment_) on_assignment_(Assigned());
}

Result<AppendItem> KafkaSource::ToItem(const void* opaque_message) {
  const auto* message = static_cast<const rd_kafka_message_t*>(opaque_message);
  rd_kafka_headers_t* headers = nullptr;
  rd_kafka_message_headers(message, &headers);
  const std::string_view key(static_cast<const char*>(message->key), message->key_len);
  const std::string_view value(static_cast<const char*>(message->payload), message->len);
  const LogPosition position{static_cast<uint32_t>(message->partition),
                             static_cast<uint64_t>(message->offset)};
  AppendItem item;
  if (HeaderValue(headers, kFormatHeader) == kFormatVersion) {
    item.routing_key = std::string(key);
    item.message_id = std::string(HeaderValue(headers, kMessageIdHeader));
    std::string_view received = HeaderValue(headers, kReceivedAtHeader);
    std::from_chars(received.data(), received.data() + received.size(), item.received_at_us);
    item.payload = std::string(value);
  } else {
    if (!options_.external) {
      return Status::InvalidArgument("a record without mercato's headers");
    }
    rd_kafka_timestamp_type_t type;
    const int64_t ts_ms = rd_kafka_message_timestamp(message, &type);
    ASSIGN_OR_RETURN(item, options_.external(key, value, ts_ms, position));
  }
  if (log_.PartitionFor(item.routing_key) != position.partition) {
    return Status::InvalidArgument(
        "the record is in partition " + std::to_string(position.partition) +
        " but its customer belongs in " + std::to_string(log_.PartitionFor(item.routing_key)) +
        "; produce with the event's userId (or anonymousId) as the key");
  }
  item.position = position;
  return item;
}

void KafkaSource::AppendWithRetry(const std::vector<AppendItem>& items) {
  auto backoff = std::chrono::milliseconds(50);
  while (!items.empty()) {
    // Append takes a copy: the items stay here for a retry (rare: a full or failing store).
    auto result = log_.Append(items);
    if (result.ok()) {
      if (mirrored_ != nullptr) mirrored_->Inc(result->appended);
      return;
    }
    LOG(WARNING) << "kafka: mirroring " << items.size()
                 << " records failed, retrying: " << result.status().ToString();
    if (stopping_.load()) return;  // not committed: the next owner reads them again
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

void KafkaSource::Loop() {
  rd_kafka_t* handle = handle_.get();
  std::vector<AppendItem> batch;
  auto last_commit = std::chrono::steady_clock::now();
  bool uncommitted = false;
  while (!stopping_.load(std::memory_order_acquire)) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(handle, batch.empty() ? 100 : 0);
    if (message != nullptr) {
      if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        std::lock_guard lock(mu_);
        const auto partition = static_cast<size_t>(message->partition);
        if (partition < reached_end_.size() && assigned_[partition] && !reached_end_[partition]) {
          reached_end_[partition] = true;
          barrier_[partition] = static_cast<uint64_t>(std::max<int64_t>(0, message->offset));
          bool all = true;
          for (size_t p = 0; p < assigned_.size(); ++p)
            all = all && (!assigned_[p] || reached_end_[p]);
          // Records appended in this batch are durable once it is flushed below; readiness may
          // run ahead of that flush by one batch, never by a partition.
          ready_.store(all, std::memory_order_release);
        }
      } else if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        LOG(WARNING) << "kafka: " << rd_kafka_message_errstr(message);
      } else if (message->rkt != nullptr) {
        auto item = ToItem(message);
        if (item.ok()) {
          batch.push_back(std::move(item).value());
        } else {
          rejected_.fetch_add(1, std::memory_order_relaxed);
          if (rejected_counter_ != nullptr) rejected_counter_->Inc();
          LOG(WARNING) << "kafka: skipped record " << message->partition << "/" << message->offset
                       << ": " << item.status().message();
        }
      }
      rd_kafka_message_destroy(message);
      if (batch.size() < options_.max_batch) continue;
    }
    if (!batch.empty()) {
      AppendWithRetry(batch);
      batch.clear();
      uncommitted = true;
    }
    const auto now = std::chrono::steady_clock::now();
    if (uncommitted && now - last_commit >= std::chrono::seconds(1)) {
      rd_kafka_commit(handle, nullptr, 1);  // the consumed positions, asynchronously
      last_commit = now;
      uncommitted = false;
    }
  }
  if (!batch.empty()) AppendWithRetry(batch);
  if (uncommitted) rd_kafka_commit(handle, nullptr, 0);
  rd_kafka_consumer_close(handle);  // leaves the group; runs the revoke callback
}

}  // namespace mercato::stream

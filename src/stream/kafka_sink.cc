#include "stream/kafka_sink.h"

#include <mutex>

#include "core/hash.h"
#include "core/logging.h"
#include "stream/kafka_internal.h"

namespace mercato::stream {
namespace {

// One Produce call: answered when its last record is delivered or failed.
struct PendingRequest {
  std::atomic<size_t> left;
  std::mutex mu;
  Status first_error;  // guarded by mu
  AppendCallback callback;
  size_t records = 0;
  Counter* produced = nullptr;
  Counter* failed = nullptr;

  // `count` records are done with `status`; the last one answers and frees the request.
  static void Done(PendingRequest* request, size_t count, const Status& status) {
    if (!status.ok()) {
      std::lock_guard lock(request->mu);
      if (request->first_error.ok()) request->first_error = status;
    }
    if (request->left.fetch_sub(count, std::memory_order_acq_rel) != count) return;
    std::unique_ptr<PendingRequest> owned(request);
    Status result;
    {
      std::lock_guard lock(owned->mu);
      result = owned->first_error;
    }
    if (owned->produced != nullptr && result.ok()) owned->produced->Inc(owned->records);
    if (owned->failed != nullptr && !result.ok()) owned->failed->Inc();
    owned->callback(result, result.ok() ? AppendResult{owned->records, 0} : AppendResult{});
  }
};

void OnDelivery(rd_kafka_t* /*handle*/, const rd_kafka_message_t* message, void* /*opaque*/) {
  auto* request = static_cast<PendingRequest*>(message->_private);
  if (request == nullptr) return;
  PendingRequest::Done(request, 1, FromKafka(message->err, "producing an event"));
}

}  // namespace

Result<std::unique_ptr<KafkaSink>> KafkaSink::Create(const KafkaSinkOptions& options,
                                                     MetricsRegistry* metrics) {
  if (options.partitions == 0) return Status::InvalidArgument("the sink needs a partition count");
  auto sink = std::unique_ptr<KafkaSink>(new KafkaSink(options));
  ASSIGN_OR_RETURN(
      sink->handle_,
      NewHandle(options.kafka, KafkaRole::kProducer,
                {{"enable.idempotence", "true"},  // implies acks=all and ordered retries
                 {"linger.ms", "2"},
                 {"message.timeout.ms", std::to_string(options.delivery_timeout.count())},
                 {"queue.buffering.max.messages", std::to_string(options.max_queued_records)},
                 {"allow.auto.create.topics", "false"}},
                [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery); }));
  if (metrics != nullptr) {
    sink->produced_ = &metrics->GetCounter("mercato_kafka_produced_total",
                                           "Events produced to Kafka and acknowledged");
    sink->failed_ = &metrics->GetCounter("mercato_kafka_produce_failures_total",
                                         "Append requests Kafka did not acknowledge in full");
  }
  sink->poller_ = std::thread([raw = sink.get()] { raw->PollLoop(); });
  return sink;
}

KafkaSink::~KafkaSink() {
  if (!handle_) return;  // Create failed before the client existed
  rd_kafka_flush(handle_.get(), static_cast<int>(options_.delivery_timeout.count()));
  stopping_.store(true);
  if (poller_.joinable()) poller_.join();
  // Whatever is still queued fails with _PURGE_QUEUE/_INFLIGHT through the delivery callback.
  rd_kafka_purge(handle_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(handle_.get(), 0);
}

void KafkaSink::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count()));
}

void KafkaSink::PollLoop() {
  while (!stopping_.load(std::memory_order_acquire)) rd_kafka_poll(handle_.get(), 100);
}

void KafkaSink::Produce(std::vector<AppendItem> items, AppendCallback callback) {
  if (items.empty()) {
    callback(Status::Ok(), {});
    return;
  }
  auto* request = new PendingRequest{};
  request->left.store(items.size());
  request->callback = std::move(callback);
  request->records = items.size();
  request->produced = produced_;
  request->failed = failed_;
  const std::string& topic = options_.kafka.topic;
  for (size_t i = 0; i < items.size(); ++i) {
    AppendItem& item = items[i];
    const std::string received_at = std::to_string(item.received_at_us);
    const auto partition =
        static_cast<int32_t>(KafkaPartition(item.routing_key, options_.partitions));
    rd_kafka_resp_err_t err =
        rd_kafka_producev(handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                          RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_KEY(item.routing_key.data(), item.routing_key.size()),
                          RD_KAFKA_V_VALUE(item.payload.data(), item.payload.size()),
                          RD_KAFKA_V_HEADER(kFormatHeader, kFormatVersion, -1),
                          RD_KAFKA_V_HEADER(kMessageIdHeader, item.message_id.data(),
                                            static_cast<ssize_t>(item.message_id.size())),
                          RD_KAFKA_V_HEADER(kReceivedAtHeader, received_at.data(),
                                            static_cast<ssize_t>(received_at.size())),
                          RD_KAFKA_V_OPAQUE(request), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // The records before this one are queued and will report; the rest never will.
      PendingRequest::Done(request, items.size() - i, FromKafka(err, "queueing an event"));
      return;
    }
  }
}

}  // namespace mercato::stream
